//! Statistical aggregates: `var_pop`, `var_samp`/`variance`, `stddev_pop`, `stddev_samp`/`stddev`
//! (one argument), and the two-argument `covar_pop`, `covar_samp`, `corr` and `regr_*`.
//!
//! Float inputs follow PostgreSQL's `float8_accum`/`float8_regr_accum`: the Youngs-Cramer
//! running sums (N, Sx, Sxx[, Sy, Syy, Sxy]) and `float8_combine` to merge shards' partials;
//! results are double precision. Integer and numeric inputs of the one-argument forms keep exact
//! numeric sums (N, ΣX, ΣX²) and finish as `numeric_stddev_internal` does: the numerator
//! N·ΣX² − (ΣX)², divided at `select_div_scale`'s scale (then `sqrt` at that scale). Merged
//! float partials may differ from a single sequential pass in the last bits (the order of
//! floating-point additions differs), as PostgreSQL's parallel aggregation does.

use crate::error::{Result, SqlError};
use crate::types::numeric::Numeric;
use crate::types::Value;

/// The statistical aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatFunc {
    VarPop,
    VarSamp,
    StddevPop,
    StddevSamp,
    RegrCount,
    RegrSxx,
    RegrSyy,
    RegrSxy,
    RegrAvgX,
    RegrAvgY,
    RegrR2,
    RegrSlope,
    RegrIntercept,
    CovarPop,
    CovarSamp,
    Corr,
}

impl StatFunc {
    pub fn by_name(name: &str) -> Option<StatFunc> {
        use StatFunc::*;
        Some(match name {
            "var_pop" => VarPop,
            "var_samp" | "variance" => VarSamp,
            "stddev_pop" => StddevPop,
            "stddev_samp" | "stddev" => StddevSamp,
            "regr_count" => RegrCount,
            "regr_sxx" => RegrSxx,
            "regr_syy" => RegrSyy,
            "regr_sxy" => RegrSxy,
            "regr_avgx" => RegrAvgX,
            "regr_avgy" => RegrAvgY,
            "regr_r2" => RegrR2,
            "regr_slope" => RegrSlope,
            "regr_intercept" => RegrIntercept,
            "covar_pop" => CovarPop,
            "covar_samp" => CovarSamp,
            "corr" => Corr,
            _ => return None,
        })
    }

    /// Whether the aggregate takes two arguments (Y, X).
    pub fn binary(self) -> bool {
        !matches!(
            self,
            StatFunc::VarPop | StatFunc::VarSamp | StatFunc::StddevPop | StatFunc::StddevSamp
        )
    }
}

fn overflow() -> SqlError {
    SqlError::OutOfRange("value out of range: overflow".into())
}

/// Float running sums (`float8_accum`'s N, Sx, Sxx).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    pub n: f64,
    pub sx: f64,
    pub sxx: f64,
}

impl Moments {
    pub fn update(&mut self, x: f64) -> Result<()> {
        let old_n = self.n;
        let old_sx = self.sx;
        self.n += 1.0;
        self.sx += x;
        if old_n > 0.0 {
            let tmp = x * self.n - self.sx;
            self.sxx += tmp * tmp / (self.n * old_n);
            if self.sx.is_infinite() || self.sxx.is_infinite() {
                if !old_sx.is_infinite() && !x.is_infinite() {
                    return Err(overflow());
                }
                self.sxx = f64::NAN;
            }
        } else if x.is_nan() || x.is_infinite() {
            self.sxx = f64::NAN;
        }
        Ok(())
    }

    /// `float8_combine`.
    pub fn merge(&mut self, o: Moments) {
        if o.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = o;
            return;
        }
        let n = self.n + o.n;
        let tmp = self.sx / self.n - o.sx / o.n;
        self.sxx = self.sxx + o.sxx + self.n * o.n * tmp * tmp / n;
        self.sx += o.sx;
        self.n = n;
    }

    pub fn finish(&self, f: StatFunc) -> Value {
        let (n, sxx) = (self.n, self.sxx);
        let v = match f {
            StatFunc::VarPop | StatFunc::StddevPop if n > 0.0 => sxx / n,
            StatFunc::VarSamp | StatFunc::StddevSamp if n > 1.0 => sxx / (n - 1.0),
            _ => return Value::Null,
        };
        Value::Float8(match f {
            StatFunc::StddevPop | StatFunc::StddevSamp => v.sqrt(),
            _ => v,
        })
    }
}

/// Exact sums for integer and numeric inputs: N, ΣX, ΣX².
#[derive(Debug, Clone, PartialEq)]
pub struct NumMoments {
    pub n: i64,
    pub sx: Numeric,
    pub sxx: Numeric,
}

impl Default for NumMoments {
    fn default() -> NumMoments {
        NumMoments {
            n: 0,
            sx: Numeric::zero(),
            sxx: Numeric::zero(),
        }
    }
}

impl NumMoments {
    pub fn update(&mut self, x: &Numeric) {
        self.n += 1;
        self.sx = self.sx.add(x);
        self.sxx = self.sxx.add(&x.mul(x));
    }

    pub fn merge(&mut self, o: NumMoments) {
        self.n += o.n;
        self.sx = self.sx.add(&o.sx);
        self.sxx = self.sxx.add(&o.sxx);
    }

    /// `numeric_stddev_internal`.
    pub fn finish(&self, f: StatFunc) -> Result<Value> {
        let sample = matches!(f, StatFunc::VarSamp | StatFunc::StddevSamp);
        if self.n == 0 || (sample && self.n == 1) {
            return Ok(Value::Null);
        }
        if self.sx.is_nan() || self.sxx.is_nan() {
            return Ok(Value::Numeric(Numeric::NaN));
        }
        let n = Numeric::from_i128(i128::from(self.n));
        let numerator = n.mul(&self.sxx).sub(&self.sx.mul(&self.sx));
        if numerator.signum() <= 0 {
            return Ok(Value::Numeric(Numeric::zero()));
        }
        let m = if sample {
            Numeric::from_i128(i128::from(self.n - 1))
        } else {
            n.clone()
        };
        let denominator = n.mul(&m);
        let rscale = numerator.div_scale(&denominator);
        let q = numerator.div_to_scale(&denominator, rscale, true)?;
        Ok(Value::Numeric(match f {
            StatFunc::StddevPop | StatFunc::StddevSamp => q.sqrt_to_scale(rscale)?,
            _ => q,
        }))
    }
}

/// Two-variable running sums (`float8_regr_accum`): N, Sx, Sxx, Sy, Syy, Sxy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Regr {
    pub n: f64,
    pub sx: f64,
    pub sxx: f64,
    pub sy: f64,
    pub syy: f64,
    pub sxy: f64,
}

impl Regr {
    pub fn update(&mut self, y: f64, x: f64) -> Result<()> {
        let old = *self;
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        if old.n > 0.0 {
            let tx = x * self.n - self.sx;
            let ty = y * self.n - self.sy;
            let scale = 1.0 / (self.n * old.n);
            self.sxx += tx * tx * scale;
            self.syy += ty * ty * scale;
            self.sxy += tx * ty * scale;
            if self.sx.is_infinite() || self.sxx.is_infinite() {
                if !old.sx.is_infinite() && !x.is_infinite() {
                    return Err(overflow());
                }
                self.sxx = f64::NAN;
            }
            if self.sy.is_infinite() || self.syy.is_infinite() {
                if !old.sy.is_infinite() && !y.is_infinite() {
                    return Err(overflow());
                }
                self.syy = f64::NAN;
            }
            if self.sxy.is_infinite() {
                if !old.sx.is_infinite()
                    && !x.is_infinite()
                    && !old.sy.is_infinite()
                    && !y.is_infinite()
                {
                    return Err(overflow());
                }
                self.sxy = f64::NAN;
            }
        } else {
            if x.is_nan() || x.is_infinite() {
                self.sxx = f64::NAN;
                self.sxy = f64::NAN;
            }
            if y.is_nan() || y.is_infinite() {
                self.syy = f64::NAN;
                self.sxy = f64::NAN;
            }
        }
        Ok(())
    }

    /// `float8_regr_combine`.
    pub fn merge(&mut self, o: Regr) {
        if o.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = o;
            return;
        }
        let n = self.n + o.n;
        let tx = self.sx / self.n - o.sx / o.n;
        let ty = self.sy / self.n - o.sy / o.n;
        let w = self.n * o.n / n;
        self.sxx = self.sxx + o.sxx + w * tx * tx;
        self.syy = self.syy + o.syy + w * ty * ty;
        self.sxy = self.sxy + o.sxy + w * tx * ty;
        self.sx += o.sx;
        self.sy += o.sy;
        self.n = n;
    }

    pub fn finish(&self, f: StatFunc) -> Value {
        use StatFunc::*;
        let Regr {
            n,
            sx,
            sxx,
            sy,
            syy,
            sxy,
        } = *self;
        if f == RegrCount {
            return Value::Int8(n as i64);
        }
        if n < 1.0 {
            return Value::Null;
        }
        let v = match f {
            RegrSxx => sxx,
            RegrSyy => syy,
            RegrSxy => sxy,
            RegrAvgX => sx / n,
            RegrAvgY => sy / n,
            CovarPop => sxy / n,
            CovarSamp if n > 1.0 => sxy / (n - 1.0),
            Corr if sxx != 0.0 && syy != 0.0 => sxy / (sxx * syy).sqrt(),
            RegrR2 if sxx == 0.0 => return Value::Null,
            RegrR2 if syy == 0.0 => 1.0,
            RegrR2 => (sxy * sxy) / (sxx * syy),
            RegrSlope if sxx != 0.0 => sxy / sxx,
            RegrIntercept if sxx != 0.0 => (sy - sx * sxy / sxx) / n,
            _ => return Value::Null,
        };
        Value::Float8(v)
    }
}
