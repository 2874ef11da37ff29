//! Points on Earth and the great-circle distance between them.
//!
//! The trigonometry is written here (series on folded ranges, a bisection for the arc
//! sine) rather than taken from the platform's maths library: it is all a distance needs,
//! exact to well under a metre, and keeps the maths library's large argument reduction
//! out of the WebAssembly build.

use std::f64::consts::{FRAC_PI_2, PI};

/// A point on Earth, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// Mean Earth radius, km.
const EARTH_RADIUS_KM: f64 = 6371.0;

impl GeoPoint {
    /// Great-circle distance in kilometres (haversine). Latitudes are clamped to ±90°;
    /// longitudes may be any finite value. A NaN or infinite coordinate gives NaN.
    ///
    /// ```
    /// use dmoe_core::edge::GeoPoint;
    /// let paris = GeoPoint { lat: 48.8566, lon: 2.3522 };
    /// let nyc = GeoPoint { lat: 40.7128, lon: -74.0060 };
    /// assert!((paris.distance_km(&nyc) - 5837.2).abs() < 1.0);
    /// ```
    pub fn distance_km(&self, other: &Self) -> f64 {
        if !(self.lat.is_finite()
            && self.lon.is_finite()
            && other.lat.is_finite()
            && other.lon.is_finite())
        {
            return f64::NAN;
        }
        let la1 = self.lat.clamp(-90.0, 90.0).to_radians();
        let la2 = other.lat.clamp(-90.0, 90.0).to_radians();
        let mut dlon = other.lon - self.lon;
        dlon -= 360.0 * (dlon / 360.0).round();
        let dla = la2 - la1;
        let dlo = dlon.to_radians();
        let h = sin(dla / 2.0).powi(2) + cos(la1) * cos(la2) * sin(dlo / 2.0).powi(2);
        2.0 * EARTH_RADIUS_KM * asin(h.clamp(0.0, 1.0).sqrt())
    }
}

/// `sin(x)` for `x` in [-π, π].
fn sin(x: f64) -> f64 {
    // Fold into [-π/2, π/2], where the series converges fast.
    let x = if x > FRAC_PI_2 {
        PI - x
    } else if x < -FRAC_PI_2 {
        -PI - x
    } else {
        x
    };
    let x2 = x * x;
    let (mut term, mut sum) = (x, x);
    for k in 1..=11 {
        let k = f64::from(k);
        term *= -x2 / ((2.0 * k) * (2.0 * k + 1.0));
        sum += term;
    }
    sum
}

/// `cos(x)` for `x` in [-π, π].
fn cos(x: f64) -> f64 {
    sin(FRAC_PI_2 - x.abs())
}

/// `asin(s)` for `s` in [0, 1], by bisection on [`sin`] (increasing on [0, π/2]).
fn asin(s: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, FRAC_PI_2);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if sin(mid) < s {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(a: &GeoPoint, b: &GeoPoint) -> f64 {
        let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
        let dla = la2 - la1;
        let dlo = (b.lon - a.lon).to_radians();
        let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().clamp(0.0, 1.0).asin()
    }

    #[test]
    fn the_series_match_the_maths_library() {
        for i in -1000..=1000 {
            let x = PI * f64::from(i) / 1000.0;
            assert!((sin(x) - x.sin()).abs() < 1e-12, "sin {x}");
            assert!((cos(x) - x.cos()).abs() < 1e-12, "cos {x}");
        }
        // The arc sine is flat-topped near 1 (sin is flat near π/2): 1e-7 rad is 0.6 m.
        for i in 0..=1000 {
            let s = f64::from(i) / 1000.0;
            assert!((asin(s) - s.asin()).abs() < 1e-7, "asin {s}");
        }
    }

    #[test]
    fn bad_coordinates_give_nan_not_a_panic() {
        let a = GeoPoint { lat: 0.0, lon: 0.0 };
        assert!(
            a.distance_km(&GeoPoint {
                lat: f64::NAN,
                lon: 0.0
            })
            .is_nan()
        );
        assert!(
            a.distance_km(&GeoPoint {
                lat: 0.0,
                lon: f64::INFINITY
            })
            .is_nan()
        );
        // Latitudes past the poles are the poles.
        let pole = a.distance_km(&GeoPoint {
            lat: 90.0,
            lon: 0.0,
        });
        assert_eq!(a.distance_km(&GeoPoint { lat: 1e9, lon: 0.0 }), pole);
    }

    proptest! {
        #[test]
        fn the_distance_is_the_haversine_one(
            lat1 in -90.0..=90.0f64, lon1 in -180.0..=180.0f64,
            lat2 in -90.0..=90.0f64, lon2 in -180.0..=180.0f64,
        ) {
            let (a, b) = (GeoPoint { lat: lat1, lon: lon1 }, GeoPoint { lat: lat2, lon: lon2 });
            // Within a metre of the library's haversine.
            prop_assert!((a.distance_km(&b) - reference(&a, &b)).abs() < 1e-3);
            prop_assert!((a.distance_km(&b) - b.distance_km(&a)).abs() < 1e-6);
        }
    }
}
