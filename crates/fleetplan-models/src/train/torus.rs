//! TPU ICI torus in the training model: a slice is a 2-D (v5e, v6e) or 3-D (v4, v5p) torus
//! with `2 × dims` links per chip; ring collectives run along torus dimensions, so a group
//! gets only the links of the dimensions it spans (docs/performance-model.md §4 "TPU ICI
//! torus").

/// The inter-chip torus of one chip type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IciTorus {
    /// Torus dimensions (1–3).
    pub dims: u32,
    /// Achievable bandwidth of one link in one direction, bytes/s: the chip's achievable
    /// scale-up bandwidth per direction spread over its `2 × dims` links.
    pub link_bw: f64,
}

/// Per-direction ring bandwidths of one layout's groups on a torus slice, bytes/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TorusLinks {
    /// Bandwidth of the tensor-parallel ring (tp consecutive chips along one dimension).
    pub tp_bw: f64,
    /// Bandwidth of the data-parallel reduction inside the slice (every other chip of the
    /// slice holding the same shard), all dimensions it spans working at once.
    pub dp_bw: f64,
    /// Chips of the slice (the ICI domain the job's chips fill).
    pub slice_chips: f64,
}

impl IciTorus {
    /// Torus of a chip with `dims` dimensions and `scaleup_bw` bytes/s per direction in all.
    pub fn new(dims: u32, scaleup_bw: f64) -> IciTorus {
        let dims = dims.clamp(1, 3);
        IciTorus { dims, link_bw: scaleup_bw / (2.0 * f64::from(dims)) }
    }

    /// Shape of a slice of `chips` chips: the most balanced factorisation into `dims` sizes,
    /// ascending, unused dimensions 1 (v5p: 512 = 8×8×8, 6,144 = 16×16×24; v6e: 256 = 16×16,
    /// Google's published slice topologies).
    pub fn slice_shape(&self, chips: u32) -> [u32; 3] {
        let chips = chips.max(1);
        let mut best = [1, 1, chips];
        let mut best_ratio = f64::INFINITY;
        let first_max = if self.dims >= 3 { chips } else { 1 };
        for a in (1..=first_max).take_while(|a| a * a * a <= chips) {
            if !chips.is_multiple_of(a) {
                continue;
            }
            let rest = chips / a;
            let second_max = if self.dims >= 2 { rest } else { 1 };
            for b in (a.max(1)..=second_max).take_while(|b| b * b <= rest) {
                if !rest.is_multiple_of(b) || (self.dims >= 3 && b < a) {
                    continue;
                }
                let c = rest / b;
                let lo = if self.dims >= 3 { a } else { b };
                let ratio = f64::from(c) / f64::from(lo);
                if ratio < best_ratio {
                    best_ratio = ratio;
                    best = [a, b, c];
                }
            }
        }
        best
    }

    /// Ring bandwidths of a layout with tensor parallelism `tp` on a slice of `slice_chips`
    /// chips; `None` when tp fits no torus dimension (tp must divide a dimension's size).
    /// A ring over a whole dimension uses its wrap-around links in both directions
    /// (`2 × link`); a ring over part of a dimension is a line (`1 × link`). The data-parallel
    /// group spans every other dimension (`2 × link` each) and, when tp leaves part of its
    /// dimension, that dimension's strided ring whose links the tp groups share (`2 × link /
    /// tp`). Rings on several dimensions run at once on stripes of the data (the
    /// bandwidth-optimal torus all-reduce), so their bandwidths add.
    pub fn links(&self, slice_chips: u32, tp: u32) -> Option<TorusLinks> {
        let shape = self.slice_shape(slice_chips);
        let tp = tp.max(1);
        // tp in the dimension it fills exactly, else the smallest one it divides.
        let tp_dim = if tp == 1 {
            0
        } else {
            shape.iter().position(|&n| n == tp).or_else(|| shape.iter().position(|&n| n % tp == 0))?
        };
        let b = self.link_bw;
        let n_tp = shape[tp_dim];
        let tp_bw = if tp == 1 {
            f64::INFINITY
        } else if tp == n_tp {
            2.0 * b
        } else {
            b
        };
        let mut dp_bw: f64 = 0.0;
        for (d, &n) in shape.iter().enumerate() {
            let (members, share) = if d == tp_dim { (n / tp, f64::from(tp)) } else { (n, 1.0) };
            if members > 1 {
                dp_bw += 2.0 * b / share;
            }
        }
        Some(TorusLinks { tp_bw, dp_bw: dp_bw.max(b), slice_chips: f64::from(slice_chips) })
    }
}

#[cfg(test)]
mod tests {
    use super::IciTorus;

    fn ring_s(bytes: f64, group: f64, bw: f64) -> f64 {
        2.0 * (group - 1.0) / group * bytes / bw
    }

    #[test]
    fn slices_take_google_s_balanced_shapes() {
        let v5p = IciTorus::new(3, 3.0e11);
        assert_eq!(v5p.slice_shape(512), [8, 8, 8]);
        assert_eq!(v5p.slice_shape(6144), [16, 16, 24]);
        assert_eq!(v5p.slice_shape(64), [4, 4, 4]);
        let v6e = IciTorus::new(2, 4.0e11);
        assert_eq!(v6e.slice_shape(256), [1, 16, 16]);
        assert_eq!(v6e.slice_shape(128), [1, 8, 16]);
    }

    #[test]
    fn a_whole_slice_all_reduce_beats_one_link_and_speeds_up_with_dimensions() {
        let bytes = 1e9;
        let chip_bw = 3.0e11; // per direction, all links
        let mut previous = f64::INFINITY;
        for dims in 1..=3 {
            let torus = IciTorus::new(dims, chip_bw);
            let one_link = ring_s(bytes, 64.0, torus.link_bw);
            let links = torus.links(64, 1).unwrap();
            let t = ring_s(bytes, 64.0, links.dp_bw);
            assert!(t <= one_link, "dims {dims}: {t} vs one link {one_link}");
            // Same links per chip split over more dimensions: more of them work at once.
            let per_link = IciTorus { dims, link_bw: 5e10 };
            let t_fixed_link = ring_s(bytes, 64.0, per_link.links(64, 1).unwrap().dp_bw);
            assert!(t_fixed_link < previous, "dims {dims}: {t_fixed_link} vs {previous}");
            previous = t_fixed_link;
            // The whole slice on every dimension reaches the chip's whole ICI bandwidth.
            assert!((links.dp_bw - chip_bw).abs() < 1e-3 * chip_bw, "dims {dims}: {}", links.dp_bw);
        }
    }

    #[test]
    fn tensor_parallelism_stays_inside_one_dimension() {
        let v5p = IciTorus::new(3, 3.0e11);
        let b = v5p.link_bw;
        // 8×8×8: tp 8 fills a dimension (wrap-around, both directions); dp spans the other two.
        let l = v5p.links(512, 8).unwrap();
        assert_eq!(l.tp_bw, 2.0 * b);
        assert_eq!(l.dp_bw, 4.0 * b);
        // tp 4 on a dimension of 8: a line; dp shares that dimension's links with the 4 groups.
        let l = v5p.links(512, 4).unwrap();
        assert_eq!(l.tp_bw, b);
        assert!((l.dp_bw - (4.0 * b + 2.0 * b / 4.0)).abs() < 1e-6);
        // tp 16 fits no dimension of an 8×8×8 slice.
        assert!(v5p.links(512, 16).is_none());
    }
}
