//! How pawc reaches the models: paw's home and the settings that the environment gives (`PAW_HOME`,
//! `PAW_VERIFY`, `PAW_PYTHON`, `PAW_KERNELS`), and fetch progress drawn on stderr.

use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use paw_cache::PawHome;
use paw_model::LoadOptions;
use paw_provision::{Progress, Provisioner};

/// Fetches into `home` with `$PAW_PYTHON` (else `python3`), drawing progress on stderr.
pub fn provisioner(home: PawHome) -> Provisioner {
    let python = std::env::var("PAW_PYTHON").unwrap_or_else(|_| "python3".into());
    Provisioner::new(home, python, Arc::new(Bars::default()))
}

/// The kernels `$PAW_KERNELS` names (`avx512vnni`, `avxvnni`, `avx2`, `candle`), else the fastest this CPU runs; an
/// unknown name or kernels this CPU lacks are an error naming the variable.
pub fn load_options() -> Result<LoadOptions, String> {
    LoadOptions::with_kernels_setting(std::env::var("PAW_KERNELS").ok().as_deref())
        .map_err(|e| format!("PAW_KERNELS: {e}"))
}

/// Notes as lines on stderr, a download as a bar there.
#[derive(Default)]
struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            f(bar);
        }
    }
}

impl Progress for Bars {
    fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    fn start(&self, total: u64) {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg:28} [{bar:30}] {bytes}/{total_bytes} ({elapsed})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn part(&self, label: &str) {
        self.with_bar(|bar| bar.set_message(label.to_string()));
    }

    fn advance(&self, bytes: u64) {
        self.with_bar(|bar| bar.inc(bytes));
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
