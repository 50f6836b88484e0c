//! The samples of a sweep as a table: one row per sample, the sample index, every varied
//! input and every output. Numbers are rounded at the output boundary
//! (`fleetplan_core::output`); an output undefined in a sample is an empty CSV cell or a
//! Parquet null.

use fleetplan_core::output::{clean_number, csv_number};
use fleetplan_engines::sweep::Sweep;

/// Column names: `sample`, the input paths, the output names.
pub fn header(result: &Sweep) -> Vec<String> {
    std::iter::once("sample".to_string())
        .chain(result.inputs.iter().map(|i| i.path.clone()))
        .chain(result.outputs.iter().map(|o| o.name.clone()))
        .collect()
}

/// A CSV cell for a header name (quoted when it holds a comma or quote).
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// samples.csv.
pub fn csv(result: &Sweep) -> String {
    let mut text = header(result).iter().map(|h| csv_text(h)).collect::<Vec<_>>().join(",");
    text.push('\n');
    for (i, (inputs, outputs)) in result.input_values.iter().zip(&result.output_values).enumerate() {
        let mut cells = vec![i.to_string()];
        cells.extend(inputs.iter().map(|v| csv_number(*v)));
        cells.extend(outputs.iter().map(|v| v.map_or(String::new(), csv_number)));
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text
}

/// samples.parquet (Snappy-compressed; `sample` as UInt64, every other column nullable
/// Float64), as bytes.
#[cfg(feature = "parquet")]
pub fn parquet(result: &Sweep) -> Result<Vec<u8>, String> {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    let names = header(result);
    let mut fields = vec![Field::new(&names[0], DataType::UInt64, false)];
    fields.extend(names[1..].iter().map(|n| Field::new(n, DataType::Float64, true)));
    let schema = Arc::new(Schema::new(fields));
    let rows = result.input_values.len();
    let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from_iter_values(0..rows as u64))];
    for i in 0..result.inputs.len() {
        let values = result.input_values.iter().map(|row| Some(clean_number(row[i])).filter(|v| v.is_finite()));
        columns.push(Arc::new(Float64Array::from_iter(values)));
    }
    for j in 0..result.outputs.len() {
        let values = result.output_values.iter().map(|row| row[j].map(clean_number).filter(|v| v.is_finite()));
        columns.push(Arc::new(Float64Array::from_iter(values)));
    }
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| format!("samples.parquet: {e}"))?;
    let properties = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut bytes = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut bytes, schema, Some(properties)).map_err(|e| format!("samples.parquet: {e}"))?;
    writer.write(&batch).map_err(|e| format!("samples.parquet: {e}"))?;
    writer.close().map_err(|e| format!("samples.parquet: {e}"))?;
    Ok(bytes)
}
