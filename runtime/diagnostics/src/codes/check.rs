//! Codes of the checker (`paw-check`): E01xx names, E02xx types, W01xx warnings.

use super::Explanation;

pub(super) static CODES: &[Explanation] = &[
    Explanation {
        code: "E0101",
        title: "unknown name",
        text: r#"A name is used that is not a local variable, a function of this module, a prelude function, or an item of the named module.

```paw
fn main() {
    let total = 3;
    print(totl);   // error: cannot find `totl`
}
```

Fix the spelling (the diagnostic suggests close names), declare the variable with `let`, or `use` the module that declares it."#,
    },
    Explanation {
        code: "E0102",
        title: "unknown type",
        text: r#"A type annotation names a type that does not exist.

```paw
fn area(s: Shape) -> float { ... }   // error if no `struct Shape` or `enum Shape`
```

The types are `int`, `float`, `bool`, `str`, `json`, `list[T]`, `dict[K, V]`, `T?`, `fn(A) -> R` and the structs and enums you declare (`module.Type` for another module's)."#,
    },
    Explanation {
        code: "E0103",
        title: "unknown module",
        text: r#"`use` names a module that does not exist, or a path uses a module that was not imported.

```paw
use std.txt      // error: the module is `std.text`
```

Standard modules are `std.io`, `std.text`, `std.list`, `std.dict`, `std.json`, `std.math`. A user module `NAME` is the file `NAME.pw` (in `src/` of a project, or beside a single file). Import a module before writing `module.item`."#,
    },
    Explanation {
        code: "E0104",
        title: "defined twice",
        text: r#"Two items of a module, two fields, variants or parameters, two imports, or two values for one field have the same name.

```paw
fn clean(s: str) -> str { s.trim() }
fn clean(s: str) -> str { s.lower() }   // error
```

Rename or remove one of them."#,
    },
    Explanation {
        code: "E0105",
        title: "unknown field",
        text: r#"A struct has no field of that name (in a field access, a construction or a docstring example), or a value that is not a struct is read with `.field`.

```paw
struct Point { x: int, y: int }
let p = Point(x: 1, y: 2);
print(p.z);   // error
```

Use one of the declared fields (the diagnostic suggests close names). To call a function, add parentheses: `xs.len()`."#,
    },
    Explanation {
        code: "E0106",
        title: "unknown enum variant",
        text: r#"An enum has no variant of that name: in `Enum.variant`, in a `match` pattern, or in a docstring example.

```paw
enum Team { billing, engineering }
let t = Team.biling;   // error: did you mean `billing`?
```

Use a declared variant."#,
    },
    Explanation {
        code: "E0107",
        title: "unknown method",
        text: r#"`x.name(..)` found no function `name` whose first parameter can take `x`. Methods are looked up in the current module, then the module declaring the type of `x`, then the standard module of a built-in type (`str` → `std.text`, `list` → `std.list`, `dict` → `std.dict`, `json` → `std.json`, numbers → `std.math`), then the prelude.

```paw
let n = "abc".length();   // error: the function is `len`
```

Fix the name, or declare `fn name(x: T, ...)` in your module."#,
    },
    Explanation {
        code: "E0108",
        title: "not a value",
        text: r#"A type or a module is used where a value is needed.

```paw
enum Team { billing, sales }
let t = Team;   // error: write `Team.billing`
```

Construct a struct with `Point(x: 1, y: 2)`, name an enum value as `Team.billing`, and use a module's items as `module.item`."#,
    },
    Explanation {
        code: "E0201",
        title: "mismatched types",
        text: r#"An expression has a different type than the place it is used in requires: an annotation, a parameter, a return type, a field, another branch of an `if`/`match`, or the first element of a list. The secondary label shows where the expectation comes from.

```paw
fn half(x: float) -> float { x / 2.0 }
half(3);   // error: expected `float`, found `int`
```

There are no implicit conversions except `T` to `T?`: convert with `.to_float()`, `.to_int()`, `to_str(..)`, or get the value out of an optional with `??` or `match`."#,
    },
    Explanation {
        code: "E0202",
        title: "wrong number of arguments",
        text: r#"A function is called (or a fuzzy fn example written) with more or fewer arguments than it declares.

```paw
fn greet(name: str) { print("hi {name}") }
greet("a", "b");   // error: takes 1 argument but 2 were given
```

Pass exactly one argument per parameter. In a method call `x.f(a)`, `x` is the first argument."#,
    },
    Explanation {
        code: "E0203",
        title: "operation not supported by this type",
        text: r#"An operator, indexing or `for` loop is applied to a type that does not support it: arithmetic on non-numbers, ordering on types other than `int`/`float`/`str`, `==` on functions, `??` on a non-optional, indexing a `str`, iterating over a `dict`.

```paw
let ok = true + 1;   // error
```

The help line names the operation to use instead (`.chars()`, `.keys()`, `.to_float()`, ...)."#,
    },
    Explanation {
        code: "E0204",
        title: "type annotation needed",
        text: r#"The checker infers types within a function body, but some values give no clue: an empty list `[]`, `none` or `dict.new()` that is never used in a way that fixes its type, or a value whose type must be known before it is used (a method call or an operator on it).

```paw
let xs = [];   // error: a list of what?
```

Add an annotation: `let xs: list[str] = [];`."#,
    },
    Explanation {
        code: "E0205",
        title: "wrong number of type arguments",
        text: r#"A type is written with the wrong number of arguments in brackets.

```paw
let d: dict[str] = dict.new();   // error: `dict[K, V]`
```

`list` takes one (`list[int]`), `dict` two (`dict[str, int]`), other types none."#,
    },
    Explanation {
        code: "E0206",
        title: "nested optional",
        text: r#"`T??` is not allowed: an optional value is either present or absent, once.

```paw
fn find(xs: list[int]) -> int?? { ... }   // error
```

Use `T?`."#,
    },
    Explanation {
        code: "E0207",
        title: "invalid dict key type",
        text: r#"Dict keys must be `str` or `int`.

```paw
let d: dict[float, str] = dict.new();   // error
```

Convert keys to `str` (`to_str(x)`) or use an `int`."#,
    },
    Explanation {
        code: "E0208",
        title: "assignment to an immutable variable",
        text: r#"A variable declared with `let` (without `mut`) is assigned after its declaration.

```paw
let total = 0;
total += 1;   // error
```

Declare it `let mut total = 0;`. Parameters and loop variables cannot be assigned; copy them into a `let mut` first."#,
    },
    Explanation {
        code: "E0209",
        title: "assignment to a captured variable",
        text: r#"A closure assigns a variable of the enclosing function. Closures capture values when they are created, so the assignment would be invisible outside.

```paw
let mut count = 0;
xs.map(|x| { count += 1; x });   // error
```

Return the value from the closure (for example with `fold`), or keep the state in a list or struct, which are shared."#,
    },
    Explanation {
        code: "E0210",
        title: "misplaced labelled arguments",
        text: r#"Labelled arguments (`name: value`) are only for constructing structs, and struct construction needs them.

```paw
Point(1, 2);          // error: write Point(x: 1, y: 2)
greet(name: "ann");  // error: functions take positional arguments
```"#,
    },
    Explanation {
        code: "E0211",
        title: "missing struct fields",
        text: r#"A struct is constructed (in code or in a fuzzy fn example) without a value for every field. Structs have no default values.

```paw
struct Point { x: int, y: int }
let p = Point(x: 1);   // error: missing field `y`
```

Give every field a value."#,
    },
    Explanation {
        code: "E0212",
        title: "non-exhaustive match",
        text: r#"A `match` on an enum, a `bool` or an optional does not cover every case, or a `match` on another type has no `_` or binding arm. The message lists the missing cases.

```paw
match team {
    billing => 1,
}   // error: does not cover `engineering`, `sales`
```

Add an arm for each missing case, or a final `_ => ...`."#,
    },
    Explanation {
        code: "E0213",
        title: "missing value",
        text: r#"A function with a return type (or a block whose value is needed) ends without producing a value, or `return;` is used in a function that returns a value.

```paw
fn double(x: int) -> int {
    let y = x * 2;
}   // error: ends without an `int`
```

End the block with an expression without `;` (`y`), or `return y;`."#,
    },
    Explanation {
        code: "E0214",
        title: "`break` or `continue` outside a loop",
        text: r#"`break` and `continue` must be inside the body of a `while` or `for` loop of the same function (a closure body is a different function).

```paw
fn f() { break; }   // error
```"#,
    },
    Explanation {
        code: "E0215",
        title: "not callable",
        text: r#"Something that is not a function or closure is called.

```paw
let n = 3;
n(1);   // error: `int` is not a function
```"#,
    },
    Explanation {
        code: "E0216",
        title: "invalid fuzzy fn signature",
        text: r#"A fuzzy fn must declare a return type, and its parameters and return type must be data: `str`, `int`, `float`, `bool`, `json`, lists, optionals, enums and structs (no functions, no dicts, not nothing), because the model reads the arguments as text and its answer is decoded into the return type.

```paw
fuzzy fn classify(text: str)   // error: no return type
```

Declare what it returns: `fuzzy fn classify(text: str) -> Label`."#,
    },
    Explanation {
        code: "E0217",
        title: "fuzzy example value of the wrong type",
        text: r#"A value in a fuzzy fn's docstring example does not fit the declared type: the argument values must fit the parameters, the expected value (the line after `>>>`) the return type. Strings are double-quoted, enum variants bare words, structs `{field: value}`, optionals accept `null`/`none`, `json` accepts any JSON text.

```paw
/// >>> is_spam("WIN A PRIZE")
/// yes        <- error: expected `bool`
fuzzy fn is_spam(text: str) -> bool
```

Write a value of the declared type (`true`)."#,
    },
    Explanation {
        code: "E0218",
        title: "fuzzy example calls another function",
        text: r#"Each `>>>` example in a fuzzy fn's docstring must call the function it documents.

```paw
/// >>> classify("x")    <- error in the docs of `route`
fuzzy fn route(message: str) -> Team
```

Call the declaring function: `>>> route("x")`."#,
    },
    Explanation {
        code: "E0219",
        title: "invalid `main`",
        text: r#"`fn main()` of the `main` module is where a program starts: it takes no parameters and returns nothing.

```paw
fn main(args: list[str]) { }   // error
```

Read arguments with `io.args()` (after `use std.io`); stop with an error by calling `panic("...")`."#,
    },
    Explanation {
        code: "E0220",
        title: "no `main`",
        text: r#"`pawc run` needs `fn main()` in the `main` module (`src/main.pw`, or the single file run).

Add `fn main() { ... }`. A library without `main` still checks (`pawc check`) and tests (`pawc test`)."#,
    },
    Explanation {
        code: "E0221",
        title: "invalid assignment target",
        text: r#"Only variables, struct fields (`p.x = 1`) and list or dict elements (`xs[0] = 1`, `d["k"] = 1`) can be assigned. A `json` value cannot be changed in place.

```paw
j["name"] = "ann";   // error
```

For `json`, build a changed copy with `json.set(j, "name", to_json("ann"))`."#,
    },
    Explanation {
        code: "W0101",
        title: "unused variable",
        text: r#"A variable or parameter is declared but never read.

```paw
let result = compute();   // warning if `result` is never used
```

Remove it, or prefix its name with `_` (`_result`) to say it is unused on purpose."#,
    },
    Explanation {
        code: "W0102",
        title: "unreachable code",
        text: r#"Code follows a `return`, `break`, `continue` or `panic(..)` in the same block, so it never runs.

```paw
return x;
print("done");   // warning
```

Remove it, or move it before the jump."#,
    },
    Explanation {
        code: "W0103",
        title: "unreachable match arm",
        text: r#"A `match` arm can never be chosen, because the arms above it already match every value it would (a repeated variant or literal, or an arm after `_`).

```paw
match n {
    _ => 0,
    1 => 1,   // warning
}
```

Remove the arm or reorder the arms."#,
    },
    Explanation {
        code: "W0104",
        title: "unused import",
        text: r#"A module is imported with `use` but none of its items is used in this file.

Remove the `use` line. (Method calls on built-in types never need a `use`.)"#,
    },
];
