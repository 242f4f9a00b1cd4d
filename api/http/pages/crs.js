/* WGS-84 -> GCJ-02, the same public formulas and constants as geo/crs.py (and the
   independent checker), so a route drawn on Chinese tiles lands on its streets. */
"use strict";
(function (root) {
  const A = 6378245.0; // semi-major axis of the Krasovsky 1940 ellipsoid, metres
  const EE = 0.00669342162296594323; // its first eccentricity squared
  const PI = Math.PI;

  /** GCJ-02 [lat, lon] of a WGS-84 point (geo.crs._gcj_offset). */
  function wgs84ToGcj02(lat, lon) {
    const x = lon - 105.0;
    const y = lat - 35.0;
    let dlat =
      -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0 +
      ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0 +
      ((160.0 * Math.sin((y / 12.0) * PI) + 320 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
    let dlon =
      300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0 +
      ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0 +
      ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
    const rad = (lat / 180.0) * PI;
    const magic = 1 - EE * Math.sin(rad) ** 2;
    const sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / (((A * (1 - EE)) / (magic * sq)) * PI);
    dlon = (dlon * 180.0) / ((A / sq) * Math.cos(rad) * PI);
    return [lat + dlat, lon + dlon];
  }

  root.IronrouteCRS = { wgs84ToGcj02 };
})(window);
