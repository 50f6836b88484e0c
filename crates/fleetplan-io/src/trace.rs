//! Request traces for the simulator (`fleetplan simulate --trace FILE.csv`; CSV rows
//! `arrival_s,input_tokens,output_tokens`).

use crate::source::{Diagnosed, LoadError, SourceText, read_source};
use fleetplan_engines::sim::{TraceRow, parse_trace};
use std::path::Path;

/// Parse a trace text already in memory.
pub fn parse_trace_source(input: SourceText) -> Result<Vec<TraceRow>, Diagnosed> {
    match parse_trace(&input.name, &input.text) {
        Ok(rows) => Ok(rows),
        Err(diagnostics) => Err(Diagnosed { input, diagnostics }),
    }
}

/// Read and parse the trace file at `path`.
pub fn read_trace(path: &Path) -> Result<Vec<TraceRow>, LoadError> {
    let input = read_source(path)?;
    Ok(parse_trace_source(input)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_file_reads_row_by_row() {
        let path = std::env::temp_dir().join(format!("fleetplan-io-trace-{}.csv", std::process::id()));
        std::fs::write(&path, "arrival_s,input_tokens,output_tokens\n0.0,100,10\n0.5,200,20\n").unwrap();
        let rows = read_trace(&path);
        std::fs::remove_file(&path).ok();
        assert_eq!(rows.unwrap().len(), 2);
    }

    #[test]
    fn a_bad_row_is_diagnosed_on_its_line() {
        let text = "arrival_s,input_tokens,output_tokens\n0.0,100,10\nabc,5,5\n";
        let err = parse_trace_source(SourceText::new("t.csv", text)).unwrap_err();
        let rendered = err.render(crate::RenderStyle::Plain);
        assert!(rendered.contains("t.csv:3:1"), "{rendered}");
    }
}
