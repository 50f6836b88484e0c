//! The one home of numbers at the output boundary: every float written to JSON or CSV passes
//! through [`clean_number`] (rounded to [`OUTPUT_SIGNIFICANT_DIGITS`], float noise below
//! [`OUTPUT_ZERO_BELOW`] and `-0.0` written as 0), and [`to_json_pretty`] refuses a non-finite
//! number with the path of the field that holds it, so no `inf`/`NaN` (or a silent `null` in
//! its place) reaches a user.

use serde::Serialize;
use serde::ser;

/// Significant digits kept in machine-readable output (JSON, CSV): the model's inputs are
/// assumptions known to a few per cent, so six digits carry every meaningful one and drop the
/// float noise of sums and ratios (`1.0000000000000002`, `-1.1e-16`).
pub const OUTPUT_SIGNIFICANT_DIGITS: usize = 6;

/// Magnitudes below this are float noise and written as 0 (no output quantity is this small:
/// the smallest, a cost per token in USD, is ~10⁻⁸).
pub const OUTPUT_ZERO_BELOW: f64 = 1e-12;

/// `x` rounded for output: [`OUTPUT_SIGNIFICANT_DIGITS`] significant digits, noise below
/// [`OUTPUT_ZERO_BELOW`] (and `-0.0`) as 0. Non-finite values are returned unchanged (the
/// caller decides: [`to_json_pretty`] makes them an error).
pub fn clean_number(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if x.abs() < OUTPUT_ZERO_BELOW {
        return 0.0;
    }
    format!("{:.*e}", OUTPUT_SIGNIFICANT_DIGITS - 1, x).parse::<f64>().unwrap_or(x)
}

/// A CSV cell for an output number: [`clean_number`] written in the shortest form, and an
/// empty cell for a non-finite value (a missing figure, never the text `NaN`).
pub fn csv_number(x: f64) -> String {
    let x = clean_number(x);
    if x.is_finite() { x.to_string() } else { String::new() }
}

/// A non-finite number on its way to machine-readable output: a bug, reported with the path of
/// the field (`quarters[3].workloads[0].coverage`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("internal error: the output field `{path}` is {value} (not a finite number); this is a bug, please report it")]
pub struct NonFiniteOutput {
    /// Dotted path of the field in the output document.
    pub path: String,
    /// The value (`NaN`, `inf` or `-inf`).
    pub value: String,
}

/// Fail with the path of the first non-finite float in `value`, if any.
pub fn check_finite<T: Serialize + ?Sized>(value: &T) -> Result<(), NonFiniteOutput> {
    serde_path_to_error::serialize(value, Probe)
        .map_err(|err| NonFiniteOutput { path: err.path().to_string(), value: err.inner().to_string() })
}

/// `value` as pretty-printed JSON (field order kept) with every float cleaned by
/// [`clean_number`]; a non-finite float anywhere is a [`NonFiniteOutput`] naming its field.
pub fn to_json_pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, NonFiniteOutput> {
    check_finite(value)?;
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, CleanFormatter::default());
    value
        .serialize(&mut serializer)
        .map_err(|e| NonFiniteOutput { path: ".".into(), value: format!("not encodable ({e})") })?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// serde_json's pretty formatter with every float passed through [`clean_number`].
#[derive(Default)]
struct CleanFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for CleanFormatter {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f64) -> std::io::Result<()> {
        serde_json::ser::CompactFormatter.write_f64(writer, clean_number(value))
    }
    fn write_f32<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, value: f32) -> std::io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Round every float of `value` in place ([`clean_number`]).
pub fn clean_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64().and_then(|x| serde_json::Number::from_f64(clean_number(x))) {
                *n = x;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(clean_value),
        serde_json::Value::Object(map) => map.values_mut().for_each(clean_value),
        _ => {}
    }
}

/// Why [`Probe`] stopped: a non-finite value, or a value whose `Serialize` failed.
#[derive(Debug)]
enum ProbeError {
    NonFinite(f64),
    Unencodable,
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::NonFinite(x) => write!(f, "{x}"),
            ProbeError::Unencodable => f.write_str("not encodable"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl ser::Error for ProbeError {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        ProbeError::Unencodable
    }
}

/// A serializer that writes nothing and fails at the first non-finite float
/// (`serde_path_to_error` records where).
struct Probe;

fn finite(x: f64) -> Result<(), ProbeError> {
    if x.is_finite() { Ok(()) } else { Err(ProbeError::NonFinite(x)) }
}

macro_rules! probe_ok {
    ($($name:ident: $ty:ty),*) => { $( fn $name(self, _: $ty) -> Result<(), ProbeError> { Ok(()) } )* };
}

macro_rules! probe_compound {
    ($($tr:ident { $($m:ident),* }),*) => { $(
        impl ser::$tr for Probe {
            type Ok = ();
            type Error = ProbeError;
            $( fn $m<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ProbeError> { value.serialize(Probe) } )*
            fn end(self) -> Result<(), ProbeError> { Ok(()) }
        }
    )* };
}

probe_compound!(
    SerializeSeq { serialize_element },
    SerializeTuple { serialize_element },
    SerializeTupleStruct { serialize_field },
    SerializeTupleVariant { serialize_field }
);

impl ser::SerializeMap for Probe {
    type Ok = ();
    type Error = ProbeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ProbeError> {
        key.serialize(Probe)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ProbeError> {
        value.serialize(Probe)
    }
    fn end(self) -> Result<(), ProbeError> {
        Ok(())
    }
}

impl ser::SerializeStruct for Probe {
    type Ok = ();
    type Error = ProbeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), ProbeError> {
        value.serialize(Probe)
    }
    fn end(self) -> Result<(), ProbeError> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Probe {
    type Ok = ();
    type Error = ProbeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), ProbeError> {
        value.serialize(Probe)
    }
    fn end(self) -> Result<(), ProbeError> {
        Ok(())
    }
}

impl ser::Serializer for Probe {
    type Ok = ();
    type Error = ProbeError;
    type SerializeSeq = Probe;
    type SerializeTuple = Probe;
    type SerializeTupleStruct = Probe;
    type SerializeTupleVariant = Probe;
    type SerializeMap = Probe;
    type SerializeStruct = Probe;
    type SerializeStructVariant = Probe;

    probe_ok!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8], serialize_unit_struct: &'static str);

    fn serialize_f32(self, v: f32) -> Result<(), ProbeError> {
        finite(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), ProbeError> {
        finite(v)
    }
    fn serialize_none(self) -> Result<(), ProbeError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ProbeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), ProbeError> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), ProbeError> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), ProbeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), ProbeError> {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_tuple(self, _: usize) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Probe, ProbeError> {
        Ok(Probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_rounded_away_and_negative_zero_is_zero() {
        assert_eq!(clean_number(1.0000000000000002), 1.0);
        assert_eq!(clean_number(-1.1e-16), 0.0);
        assert_eq!(clean_number(-0.0).to_string(), "0");
        assert_eq!(clean_number(0.1 + 0.2), 0.3);
        assert_eq!(clean_number(123_456_789.0), 123_457_000.0);
        assert_eq!(clean_number(2.5e-7), 2.5e-7);
        assert_eq!(csv_number(f64::NAN), "");
        assert_eq!(csv_number(0.30000000000000004), "0.3");
    }

    #[derive(Serialize)]
    struct Row {
        name: String,
        coverage: f64,
        inner: Vec<Option<f64>>,
    }

    #[test]
    fn json_is_rounded_and_a_non_finite_field_is_named() {
        let ok = Row { name: "a".into(), coverage: 1.0000000000000002, inner: vec![Some(-1.1e-16), None] };
        let text = to_json_pretty(&ok).unwrap();
        let compact: String = text.split_whitespace().collect();
        assert_eq!(compact, r#"{"name":"a","coverage":1.0,"inner":[0.0,null]}"#, "field order kept: {text}");
        let bad = vec![Row { name: "b".into(), coverage: 0.5, inner: vec![None, Some(f64::INFINITY)] }];
        let err = to_json_pretty(&bad).unwrap_err();
        assert_eq!(err.path, "[0].inner[1]");
        assert_eq!(err.value, "inf");
        let nan = Row { name: "c".into(), coverage: f64::NAN, inner: vec![] };
        assert_eq!(to_json_pretty(&nan).unwrap_err().path, "coverage");
        let mut value = serde_json::json!({"x": [0.30000000000000004, -0.0]});
        clean_value(&mut value);
        assert_eq!(value.to_string(), r#"{"x":[0.3,0.0]}"#);
    }
}
