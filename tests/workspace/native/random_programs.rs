//! Random well-typed programs (a seeded generator of `.pw` source) run under native code and the reference
//! executor: every `test` block is one case, and each must print the same and end the same way, errors
//! (overflow, division by zero, index out of range, recursion depth) with the same message, span and trace.
//! Values are scalars, strings, lists, optionals, a struct and closures, so both the register and the `Value`
//! paths of native code are compared. Strings and lists grow by a bounded amount per statement, never by doubling.

mod support;

use support::tests_both;

/// Programs per run, and cases (test blocks) per program: 10,000 cases in all.
const PROGRAMS: u64 = 100;
const CASES_PER_PROGRAM: usize = 100;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T {
    Int,
    Float,
    Bool,
    Str,
    List,
    Opt,
    Pair,
}

impl T {
    fn name(self) -> &'static str {
        match self {
            T::Int => "int",
            T::Float => "float",
            T::Bool => "bool",
            T::Str => "str",
            T::List => "list[int]",
            T::Opt => "int?",
            T::Pair => "Pair",
        }
    }
}

const TYPES: [T; 7] = [T::Int, T::Float, T::Bool, T::Str, T::List, T::Opt, T::Pair];

/// A generated function's signature.
struct Sig {
    name: String,
    params: Vec<T>,
    ret: T,
}

/// Generates one program: functions that call earlier ones (and a bounded recursive one), and test blocks
/// that call them with random arguments and print the results.
struct Gen {
    rng: Rng,
    fns: Vec<Sig>,
    /// Variables in scope, innermost scope last: (name, type, assignable).
    scopes: Vec<Vec<(String, T, bool)>>,
    fresh: u32,
    loop_depth: u32,
}

impl Gen {
    fn pick<'a, X>(&mut self, xs: &'a [X]) -> &'a X {
        &xs[self.rng.below(xs.len() as u64) as usize]
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn vars(&self, ty: T, assignable: bool) -> Vec<String> {
        self.scopes
            .iter()
            .flatten()
            .filter(|(_, t, a)| *t == ty && (*a || !assignable))
            .map(|(n, _, _)| n.clone())
            .collect()
    }

    fn int_literal(&mut self) -> String {
        match self.rng.below(10) {
            0 => "9223372036854775807".into(),
            1 => "(-9223372036854775807 - 1)".into(),
            2 => format!("{}", self.rng.below(5_000_000_000)),
            _ => format!("{}", self.rng.below(20) as i64 - 5),
        }
    }

    fn float_literal(&mut self) -> String {
        let whole = self.rng.below(200) as i64 - 100;
        match self.rng.below(8) {
            0 => "0.0".into(),
            1 => "1e300".into(),
            _ => format!("{whole}.{}", self.rng.below(100)),
        }
    }

    fn expr(&mut self, ty: T, depth: u32) -> String {
        let vars = self.vars(ty, false);
        if depth == 0 || self.rng.chance(25) {
            if !vars.is_empty() && self.rng.chance(70) {
                return self.pick(&vars).clone();
            }
            return self.literal(ty);
        }
        let d = depth - 1;
        match self.rng.below(10) {
            0 => format!(
                "(if {} {{ {} }} else {{ {} }})",
                self.expr(T::Bool, d),
                self.expr(ty, d),
                self.expr(ty, d)
            ),
            1 => self.call(ty, d).unwrap_or_else(|| self.expr(ty, 0)),
            _ => match ty {
                T::Int if self.rng.chance(40) => match self.rng.below(6) {
                    0 => format!("{}.len()", self.expr(T::Str, d)),
                    1 => format!("{}.len()", self.expr(T::List, d)),
                    2 => format!("{}[{}]", self.expr(T::List, d), self.rng.below(5) as i64 - 1),
                    3 => format!("({} ?? {})", self.expr(T::Opt, d), self.expr(T::Int, d)),
                    4 => {
                        let v = self.fresh("m");
                        let opt = self.expr(T::Opt, d);
                        let none = self.expr(T::Int, d);
                        self.scopes.push(vec![(v.clone(), T::Int, false)]);
                        let some = self.expr(T::Int, d);
                        self.scopes.pop();
                        format!("(match {opt} {{ some({v}) => {some}, none => {none} }})")
                    }
                    _ => format!("{}.a", self.expr(T::Pair, d)),
                },
                T::Int => match self.rng.below(9) {
                    0 => format!("(-{})", self.expr(T::Int, d)),
                    1 => format!("{}.abs()", self.expr(T::Int, d)),
                    2 => format!("{}.min({})", self.expr(T::Int, d), self.expr(T::Int, d)),
                    3 => format!(
                        "(match {} {{ 0 => {}, 1 => {}, other => other + {} }})",
                        self.expr(T::Int, d),
                        self.expr(T::Int, d),
                        self.expr(T::Int, d),
                        self.expr(T::Int, d)
                    ),
                    _ => {
                        let op = self.pick(&["+", "-", "*", "/", "%", "+", "-"]);
                        format!("({} {op} {})", self.expr(T::Int, d), self.expr(T::Int, d))
                    }
                },
                T::Float => match self.rng.below(7) {
                    0 => format!("(-{})", self.expr(T::Float, d)),
                    1 => format!("{}.to_float()", self.expr(T::Int, d)),
                    _ => {
                        let op = self.pick(&["+", "-", "*", "/", "%"]);
                        format!("({} {op} {})", self.expr(T::Float, d), self.expr(T::Float, d))
                    }
                },
                T::Bool => match self.rng.below(8) {
                    0 => format!("!{}", self.expr(T::Bool, d)),
                    1 => format!("({} && {})", self.expr(T::Bool, d), self.expr(T::Bool, d)),
                    2 => format!("({} || {})", self.expr(T::Bool, d), self.expr(T::Bool, d)),
                    3 => {
                        let operand = *self.pick(&[T::Str, T::List, T::Opt, T::Pair]);
                        let op = if operand == T::Str {
                            *self.pick(&["==", "!=", "<", ">="])
                        } else {
                            *self.pick(&["==", "!="])
                        };
                        format!("({} {op} {})", self.expr(operand, d), self.expr(operand, d))
                    }
                    4 => format!("{}.contains({})", self.expr(T::List, d), self.expr(T::Int, d)),
                    _ => {
                        let operand = *self.pick(&[T::Int, T::Int, T::Float, T::Bool]);
                        let op = if operand == T::Bool {
                            *self.pick(&["==", "!="])
                        } else {
                            *self.pick(&["==", "!=", "<", "<=", ">", ">="])
                        };
                        format!("({} {op} {})", self.expr(operand, d), self.expr(operand, d))
                    }
                },
                T::Str => match self.rng.below(5) {
                    0 => self.interpolation(),
                    1 => format!("({} + {})", self.leaf_or_var(T::Str), self.literal(T::Str)),
                    2 => format!("{}.b", self.expr(T::Pair, d)),
                    3 => {
                        let v = self.fresh("m");
                        let scrutinee = self.expr(T::Str, d);
                        let (lit, first) = (self.literal(T::Str), self.expr(T::Str, d));
                        self.scopes.push(vec![(v.clone(), T::Str, false)]);
                        let other = self.expr(T::Str, d);
                        self.scopes.pop();
                        format!("(match {scrutinee} {{ {lit} => {first}, {v} => {other} }})")
                    }
                    _ => format!("({}).to_str()", self.expr(T::Int, d)),
                },
                T::List => match self.rng.below(5) {
                    0 => format!("({} + {})", self.leaf_or_var(T::List), self.literal(T::List)),
                    4 => {
                        // A closure that may capture a variable, run by a native of the standard library.
                        let (list, captured) = (self.expr(T::List, d), self.leaf_or_var(T::Int));
                        let v = self.fresh("c");
                        format!("{list}.map(|{v}| {v} * 3 + {captured})")
                    }
                    1 => format!("(0..{})", self.rng.below(5)),
                    2 => format!("{}.sort()", self.expr(T::List, d)),
                    _ => self.literal(T::List),
                },
                T::Opt => match self.rng.below(3) {
                    0 => format!("{}.first()", self.expr(T::List, d)),
                    1 => format!("{}.last()", self.expr(T::List, d)),
                    _ => self.literal(T::Opt),
                },
                T::Pair => format!("Pair(a: {}, b: {})", self.expr(T::Int, d), self.expr(T::Str, d)),
            },
        }
    }

    /// A literal of `ty` (made of literals, for the compound types).
    fn literal(&mut self, ty: T) -> String {
        match ty {
            T::Int => self.int_literal(),
            T::Float => self.float_literal(),
            T::Bool => if self.rng.chance(50) { "true" } else { "false" }.into(),
            T::Str => format!("\"s{}\"", self.rng.below(6)),
            T::List => {
                let items: Vec<String> = (0..self.rng.below(3) + 1).map(|_| self.int_literal()).collect();
                format!("[{}]", items.join(", "))
            }
            // `none` needs a type from its context; this one has it by itself.
            T::Opt if self.rng.chance(40) => "[0].slice(0, 0).first()".into(),
            T::Opt => format!("[{}].first()", self.int_literal()),
            T::Pair => format!("Pair(a: {}, b: {})", self.int_literal(), self.literal(T::Str)),
        }
    }

    /// A string interpolating a variable of any type (or an int): the parts stay free of nested quotes.
    fn interpolation(&mut self) -> String {
        let ty = *self.pick(&TYPES);
        let vars = self.vars(ty, false);
        let part = if vars.is_empty() {
            self.int_literal()
        } else {
            self.pick(&vars).clone()
        };
        format!("\"<{{{part}}}>\"")
    }

    /// A variable of `ty` or a literal: an operand that keeps concatenations from doubling a value.
    fn leaf_or_var(&mut self, ty: T) -> String {
        let vars = self.vars(ty, false);
        if !vars.is_empty() && self.rng.chance(60) {
            return self.pick(&vars).clone();
        }
        self.literal(ty)
    }

    /// A call of an already generated function returning `ty`, if there is one.
    fn call(&mut self, ty: T, depth: u32) -> Option<String> {
        let candidates: Vec<usize> = (0..self.fns.len()).filter(|i| self.fns[*i].ret == ty).collect();
        if candidates.is_empty() {
            return None;
        }
        let i = *self.pick(&candidates);
        let params = self.fns[i].params.clone();
        let args: Vec<String> = params.iter().map(|p| self.expr(*p, depth)).collect();
        Some(format!("{}({})", self.fns[i].name, args.join(", ")))
    }

    fn block(&mut self, stmts: u32, depth: u32, ret: T) -> String {
        self.scopes.push(Vec::new());
        let mut out = String::new();
        for _ in 0..stmts {
            out.push_str(&self.stmt(depth, ret));
        }
        self.scopes.pop();
        out
    }

    fn stmt(&mut self, depth: u32, ret: T) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.below(if depth == 0 { 4 } else { 10 }) {
            0 | 1 => {
                let ty = *self.pick(&TYPES);
                let name = self.fresh("v");
                let value = self.expr(ty, 3);
                self.scopes.last_mut().expect("a scope").push((name.clone(), ty, true));
                format!("let mut {name}: {} = {value};\n", ty.name())
            }
            2 => {
                let ty = *self.pick(&TYPES);
                let targets = self.vars(ty, true);
                if targets.is_empty() {
                    return self.mutation(ty);
                }
                let target = self.pick(&targets).clone();
                match ty {
                    T::Str if self.rng.chance(50) => format!("{target} += {};\n", self.interpolation()),
                    T::Str | T::List => format!("{target} = {};\n", self.expr(ty, 0)),
                    _ => {
                        let op = match ty {
                            T::Int => *self.pick(&["=", "+=", "-=", "*=", "/="]),
                            T::Float => *self.pick(&["=", "+=", "-=", "*="]),
                            _ => "=",
                        };
                        format!("{target} {op} {};\n", self.expr(ty, 2))
                    }
                }
            }
            3 => {
                let ty = *self.pick(&TYPES);
                format!("print({});\n", self.expr(ty, 2))
            }
            4 => format!(
                "if {} {{\n{}}} else {{\n{}}}\n",
                self.expr(T::Bool, 2),
                self.block(2, d, ret),
                self.block(1, d, ret)
            ),
            5 => {
                let var = self.fresh("i");
                let (start, end) = (self.rng.below(4) as i64 - 1, self.rng.below(6));
                self.scopes.push(vec![(var.clone(), T::Int, false)]);
                self.loop_depth += 1;
                let body = self.block(2, d, ret);
                self.loop_depth -= 1;
                self.scopes.pop();
                format!("for {var} in {start}..{end} {{\n{body}}}\n")
            }
            6 => {
                // The counter goes up first, so `continue` cannot skip it.
                let w = self.fresh("w");
                let bound = self.rng.below(5);
                let cond = self.expr(T::Bool, 1);
                self.loop_depth += 1;
                let body = self.block(2, d, ret);
                self.loop_depth -= 1;
                format!("let mut {w} = 0;\nwhile {w} < {bound} && ({cond} || {w} < 2) {{\n{w} += 1;\n{body}}}\n")
            }
            7 if self.rng.chance(50) => {
                let var = self.fresh("e");
                let list = self.expr(T::List, 1);
                self.scopes.push(vec![(var.clone(), T::Int, false)]);
                self.loop_depth += 1;
                let body = self.block(2, d, ret);
                self.loop_depth -= 1;
                self.scopes.pop();
                format!("for {var} in {list} {{\n{body}}}\n")
            }
            7 if self.loop_depth > 0 => format!(
                "if {} {{ {} }}\n",
                self.expr(T::Bool, 1),
                self.pick(&["break;", "continue;"])
            ),
            8 => format!("if {} {{ return {}; }}\n", self.expr(T::Bool, 1), self.expr(ret, 2)),
            _ => {
                let ty = *self.pick(&[T::List, T::Pair]);
                self.mutation(ty)
            }
        }
    }

    /// A statement that changes a list or a struct in place (a `print` for the other types).
    fn mutation(&mut self, ty: T) -> String {
        let targets = self.vars(ty, false);
        if targets.is_empty() {
            return format!("print({});\n", self.expr(ty, 2));
        }
        let target = self.pick(&targets).clone();
        match (ty, self.rng.below(2)) {
            (T::List, 0) => format!("{target}.push({});\n", self.expr(T::Int, 1)),
            (T::List, _) => format!("{target}[{}] = {};\n", self.rng.below(4), self.expr(T::Int, 1)),
            (T::Pair, 0) => format!("{target}.a += {};\n", self.expr(T::Int, 1)),
            (T::Pair, _) => format!("{target}.b = {};\n", self.expr(T::Str, 1)),
            _ => format!("print({});\n", self.expr(ty, 2)),
        }
    }

    fn function(&mut self, index: usize) -> String {
        let params: Vec<T> = (0..self.rng.below(4)).map(|_| *self.pick(&TYPES)).collect();
        let ret = *self.pick(&TYPES);
        let name = format!("f{index}");
        let names: Vec<String> = (0..params.len()).map(|i| format!("p{i}")).collect();
        self.scopes = vec![names.iter().zip(&params).map(|(n, t)| (n.clone(), *t, false)).collect()];
        let stmts = self.rng.below(5) as u32 + 1;
        let body = self.block(stmts, 2, ret);
        self.scopes.push(Vec::new());
        let tail = self.expr(ret, 3);
        self.scopes.clear();
        let signature = names
            .iter()
            .zip(&params)
            .map(|(n, t)| format!("{n}: {}", t.name()))
            .collect::<Vec<_>>()
            .join(", ");
        self.fns.push(Sig {
            name: name.clone(),
            params,
            ret,
        });
        format!("fn {name}({signature}) -> {} {{\n{body}{tail}\n}}\n\n", ret.name())
    }

    fn program(seed: u64) -> String {
        let mut g = Gen {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            fns: Vec::new(),
            scopes: Vec::new(),
            fresh: 0,
            loop_depth: 0,
        };
        // A recursive function: deep arguments reach the recursion limit in both executors alike.
        let mut out = String::from("struct Pair {\n    a: int,\n    b: str,\n}\n\nfn down(n: int, acc: int) -> int {\n    if n <= 0 { acc } else { down(n - 1, acc + n % 7) }\n}\n\n");
        g.fns.push(Sig {
            name: "down".into(),
            params: vec![T::Int, T::Int],
            ret: T::Int,
        });
        for i in 0..8 {
            out.push_str(&g.function(i));
        }
        out.push_str("fn main() {}\n\n");
        for case in 0..CASES_PER_PROGRAM {
            g.scopes = vec![Vec::new()];
            let call = if g.rng.chance(2) {
                format!("down({}, 0)", g.pick(&[50, 9_999, 10_000, 20_000]))
            } else {
                let ty = *g.pick(&TYPES);
                g.call(ty, 2).unwrap_or_else(|| "0".into())
            };
            out.push_str(&format!("test \"case {case}\" {{\n    print({call});\n}}\n\n"));
        }
        out
    }
}

#[test]
fn random_programs_behave_the_same_natively() {
    let mut native_functions = 0;
    for seed in 0..PROGRAMS {
        let source = Gen::program(seed);
        let (native, interp, report) = tests_both(&source);
        assert_eq!(native.0.len(), CASES_PER_PROGRAM);
        for (n, i) in native.0.iter().zip(&interp.0) {
            assert_eq!(n, i, "seed {seed}, {}:\n{source}", n.name);
        }
        assert_eq!(native.1, interp.1, "stdout differs for seed {seed}:\n{source}");
        native_functions += report.native_count();
    }
    // Every generated function (and `main`) is in the backend's subset; none may quietly fall back.
    assert_eq!(native_functions as u64, PROGRAMS * 10);
}
