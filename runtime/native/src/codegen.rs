//! IR → Cranelift → machine code: in memory for `pawc run` (cranelift-jit, [`compile`]), or in an object file
//! linked into a standalone executable (cranelift-object, [`compile_object`]). Both go through one generic
//! [`generate`] over cranelift's `Module`, so the two never differ in the code they make.
//!
//! Each compiled function `f` becomes a native function `(ctx, [out], params...) -> ret` plus an entry
//! trampoline `(ctx, *const i64 args, out) -> i64` through which Rust calls it with register bits. A function
//! whose locals include `Value`s ([`Rep::Ref`]) keeps them in a frame of `Value` slots on its stack, set to unit
//! on entry and dropped on every return; such parameters arrive as slot addresses and are cloned into the frame,
//! and such a result is moved to `out`, a slot of the caller. After every call that can fail, code reads
//! `ctx.failed` and, when set, returns at once: the error unwinds by ordinary returns, each dropping its frame.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, BlockArg, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData, StackSlotKind,
    Type, Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use paw_hir::{ArithOp, FnId};
use paw_runtime::exec::MAX_DEPTH;

use crate::ir::{Cmp, Const, Func, Node, Rep, Site, SiteId, SiteKind};
use crate::rt;

/// A compiled function's entry: `(ctx, args, out) -> result bits`; a `Value` result is written to `out`.
pub type Entry = unsafe extern "C" fn(*mut rt::Ctx<'_>, *const i64, *mut paw_runtime::Value) -> i64;

/// The size of a frame slot: one `Value`.
const SLOT: u32 = std::mem::size_of::<paw_runtime::Value>() as u32;

/// Machine code for the compiled functions; the memory lives as long as this.
pub struct Code {
    module: Option<JITModule>,
    /// By function index; `None` for a function that was not compiled.
    pub entries: Vec<Option<Entry>>,
}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the entries die with `self`, and no native code runs past the run that owns it.
            unsafe { module.free_memory() };
        }
    }
}

/// Why code generation failed, and for which function (`None`: the module as a whole).
pub struct CodegenError {
    pub function: Option<usize>,
    pub message: String,
}

fn module_error(message: impl ToString) -> CodegenError {
    CodegenError {
        function: None,
        message: message.to_string(),
    }
}

/// The runtime functions native code calls, as imports of the module.
struct Helpers {
    binary_error: FuncId,
    unary_error: FuncId,
    too_deep: FuncId,
    leave_frame: FuncId,
    call: FuncId,
    frem: FuncId,
    frame_init: FuncId,
    frame_drop: FuncId,
    clone_into: FuncId,
    move_into: FuncId,
}

fn clif_type(rep: Rep) -> Option<Type> {
    match rep {
        Rep::Int => Some(types::I64),
        Rep::Float => Some(types::F64),
        Rep::Bool => Some(types::I8),
        Rep::Unit => None,
        // A slot address; `compile` refuses hosts whose pointers are not 64-bit.
        Rep::Ref => Some(types::I64),
    }
}

/// The runtime functions native code calls: the symbol each is imported as (exported under that name by
/// `rt.rs`, for linked executables) and its address (for the JIT).
fn helper_symbols() -> [(&'static str, *const u8); 10] {
    [
        ("paw_rt_binary_error", rt::rt_binary_error as *const u8),
        ("paw_rt_unary_error", rt::rt_unary_error as *const u8),
        ("paw_rt_too_deep", rt::rt_too_deep as *const u8),
        ("paw_rt_leave_frame", rt::rt_leave_frame as *const u8),
        ("paw_rt_call", rt::rt_call as *const u8),
        ("paw_rt_frem", rt::rt_frem as *const u8),
        ("paw_rt_frame_init", rt::rt_frame_init as *const u8),
        ("paw_rt_frame_drop", rt::rt_frame_drop as *const u8),
        ("paw_rt_clone_into", rt::rt_clone_into as *const u8),
        ("paw_rt_move_into", rt::rt_move_into as *const u8),
    ]
}

/// The host's ISA; `pic` for code linked into a (position-independent) executable.
fn host_isa(pic: bool) -> Result<OwnedTargetIsa, CodegenError> {
    let mut flags = settings::builder();
    let pic = if pic { "true" } else { "false" };
    for (name, value) in [
        ("opt_level", "speed"),
        ("use_colocated_libcalls", "false"),
        ("is_pic", pic),
    ] {
        flags.set(name, value).map_err(module_error)?;
    }
    let isa = cranelift_native::builder()
        .map_err(module_error)?
        .finish(settings::Flags::new(flags))
        .map_err(module_error)?;
    if isa.pointer_type() != types::I64 {
        return Err(module_error("native code needs a 64-bit host"));
    }
    Ok(isa)
}

/// Compiles `funcs` (by function index; `None` for those that stay in the reference executor) into memory.
pub fn compile(funcs: &[Option<Func>], sites: &[Site<'_>]) -> Result<Code, CodegenError> {
    let mut builder = JITBuilder::with_isa(host_isa(false)?, default_libcall_names());
    builder.symbols(helper_symbols());
    let mut module = JITModule::new(builder);
    let ids = generate(&mut module, funcs, sites)?;
    module.finalize_definitions().map_err(module_error)?;
    let entries = ids
        .iter()
        .map(|ids| {
            ids.map(|(_, entry)| {
                let code = module.get_finalized_function(entry);
                // SAFETY: `paw_entry{i}` was defined with exactly this signature, in the default call convention.
                unsafe { std::mem::transmute::<*const u8, Entry>(code) }
            })
        })
        .collect();
    Ok(Code {
        module: Some(module),
        entries,
    })
}

impl Code {
    /// Code linked into this executable: the entries of [`compile_object`]'s table.
    pub fn linked(entries: Vec<Option<Entry>>) -> Code {
        Code { module: None, entries }
    }
}

/// The symbol of the C function that an executable's `main` calls (`paw-standalone` defines it):
/// `(entries, entry count, image, image length, code id, code id length) -> exit status`.
pub const STANDALONE_MAIN: &str = "paw_standalone_main";

/// Compiles `funcs` into a relocatable object file for the host, with a C `main` that calls
/// [`STANDALONE_MAIN`] with the table of entries (one per function, null where not compiled) and the bytes
/// `image` and `code_id`, which the object carries as data.
pub fn compile_object(
    funcs: &[Option<Func>],
    sites: &[Site<'_>],
    image: &[u8],
    code_id: &[u8],
) -> Result<Vec<u8>, CodegenError> {
    let builder = ObjectBuilder::new(host_isa(true)?, "paw_program", default_libcall_names()).map_err(module_error)?;
    let mut module = ObjectModule::new(builder);
    let ids = generate(&mut module, funcs, sites)?;
    let ptr = module.isa().pointer_type();
    let bytes = |module: &mut ObjectModule, name: &str, data: &[u8]| -> Result<DataId, CodegenError> {
        let id = module
            .declare_data(name, Linkage::Local, false, false)
            .map_err(module_error)?;
        let mut desc = DataDescription::new();
        desc.define(data.to_vec().into_boxed_slice());
        module.define_data(id, &desc).map_err(module_error)?;
        Ok(id)
    };
    let data = [
        // Writable: the entries' addresses are relocated at load time in a position-independent executable.
        (
            module
                .declare_data("paw_entries", Linkage::Local, true, false)
                .map_err(module_error)?,
            ids.len(),
        ),
        (bytes(&mut module, "paw_image", image)?, image.len()),
        (bytes(&mut module, "paw_code_id", code_id)?, code_id.len()),
    ];
    let table = data[0].0;
    let mut desc = DataDescription::new();
    desc.define_zeroinit(ids.len().max(1) * 8);
    desc.set_align(8);
    for (i, ids) in ids.iter().enumerate() {
        if let Some((_, entry)) = ids {
            let f = module.declare_func_in_data(*entry, &mut desc);
            desc.write_function_addr((i * 8) as u32, f);
        }
    }
    module.define_data(table, &desc).map_err(module_error)?;

    let call_conv = module.isa().default_call_conv();
    let mut sig = Signature::new(call_conv);
    sig.params.extend([ptr, ptr, ptr, ptr, ptr, ptr].map(AbiParam::new));
    sig.returns.push(AbiParam::new(types::I32));
    let standalone = module
        .declare_function(STANDALONE_MAIN, Linkage::Import, &sig)
        .map_err(module_error)?;
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I32), AbiParam::new(ptr)]);
    sig.returns.push(AbiParam::new(types::I32));
    let main = module
        .declare_function("main", Linkage::Export, &sig)
        .map_err(module_error)?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let mut args = Vec::new();
        for (data, len) in data {
            let gv = module.declare_data_in_func(data, b.func);
            args.push(b.ins().symbol_value(ptr, gv));
            args.push(b.ins().iconst(ptr, len as i64));
        }
        let callee = module.declare_func_in_func(standalone, b.func);
        let call = b.ins().call(callee, &args);
        let status = b.inst_results(call)[0];
        b.ins().return_(&[status]);
        b.seal_all_blocks();
        b.finalize(module.isa().frontend_config());
    }
    module
        .define_function(main, &mut ctx)
        .map_err(|e| module_error(format!("{e:?}")))?;
    module.finish().emit().map_err(module_error)
}

/// Declares and defines every compiled function of `funcs` in `module`: the ids of each one's body and entry.
fn generate<M: Module>(
    module: &mut M,
    funcs: &[Option<Func>],
    sites: &[Site<'_>],
) -> Result<Vec<Option<(FuncId, FuncId)>>, CodegenError> {
    let ptr = module.isa().pointer_type();
    let call_conv = module.isa().default_call_conv();
    let sig = |params: &[Type], ret: &[Type]| {
        let mut s = Signature::new(call_conv);
        s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        s.returns.extend(ret.iter().map(|t| AbiParam::new(*t)));
        s
    };
    let mut import =
        |name: &str, s: Signature| module.declare_function(name, Linkage::Import, &s).map_err(module_error);
    let helpers = Helpers {
        binary_error: import(
            "paw_rt_binary_error",
            sig(&[ptr, types::I32, types::I64, types::I64], &[]),
        )?,
        unary_error: import("paw_rt_unary_error", sig(&[ptr, types::I32, types::I64], &[]))?,
        too_deep: import("paw_rt_too_deep", sig(&[ptr, types::I32], &[]))?,
        leave_frame: import("paw_rt_leave_frame", sig(&[ptr, types::I32], &[]))?,
        call: import("paw_rt_call", sig(&[ptr, types::I32, ptr, ptr], &[types::I64]))?,
        frem: import("paw_rt_frem", sig(&[types::F64, types::F64], &[types::F64]))?,
        frame_init: import("paw_rt_frame_init", sig(&[ptr, types::I32], &[]))?,
        frame_drop: import("paw_rt_frame_drop", sig(&[ptr, types::I32], &[]))?,
        clone_into: import("paw_rt_clone_into", sig(&[ptr, ptr], &[]))?,
        move_into: import("paw_rt_move_into", sig(&[ptr, ptr], &[]))?,
    };

    let mut ids: Vec<Option<(FuncId, FuncId)>> = Vec::with_capacity(funcs.len());
    for (i, f) in funcs.iter().enumerate() {
        ids.push(match f {
            Some(f) => {
                let out = (f.ret == Rep::Ref).then_some(ptr);
                let params: Vec<Type> = std::iter::once(ptr)
                    .chain(out)
                    .chain(f.params.iter().filter_map(|r| clif_type(*r)))
                    .collect();
                let ret = if f.ret == Rep::Ref {
                    Vec::new()
                } else {
                    clif_type(f.ret).into_iter().collect()
                };
                let body = module
                    .declare_function(&format!("paw_fn{i}"), Linkage::Local, &sig(&params, &ret))
                    .map_err(module_error)?;
                let entry = module
                    .declare_function(
                        &format!("paw_entry{i}"),
                        Linkage::Local,
                        &sig(&[ptr, ptr, ptr], &[types::I64]),
                    )
                    .map_err(module_error)?;
                Some((body, entry))
            }
            None => None,
        });
    }

    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    for (i, f) in funcs.iter().enumerate() {
        let (Some(f), Some((body_id, entry_id))) = (f, ids[i]) else {
            continue;
        };
        let fail = |e: &dyn ToString| CodegenError {
            function: Some(i),
            message: e.to_string(),
        };
        ctx.func.signature = module.declarations().get_function_decl(body_id).signature.clone();
        {
            let b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            let gen = FnGen::new(b, module, &helpers, &ids, funcs, sites, f, ptr);
            gen.finish(&f.body);
        }
        module
            .define_function(body_id, &mut ctx)
            .map_err(|e| fail(&format!("{e:?}")))?;
        module.clear_context(&mut ctx);

        ctx.func.signature = module.declarations().get_function_decl(entry_id).signature.clone();
        build_entry(FunctionBuilder::new(&mut ctx.func, &mut fctx), module, body_id, f);
        module
            .define_function(entry_id, &mut ctx)
            .map_err(|e| fail(&format!("{e:?}")))?;
        module.clear_context(&mut ctx);
    }
    Ok(ids)
}

/// The trampoline `(ctx, args, out) -> bits` around compiled function `body`.
fn build_entry<M: Module>(mut b: FunctionBuilder<'_>, module: &mut M, body: FuncId, f: &Func) {
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    let (ctx, args, out) = (
        b.block_params(block)[0],
        b.block_params(block)[1],
        b.block_params(block)[2],
    );
    let mut call_args = vec![ctx];
    if f.ret == Rep::Ref {
        call_args.push(out);
    }
    for (i, rep) in f.params.iter().enumerate() {
        let Some(ty) = clif_type(*rep) else { continue };
        let bits = b.ins().load(types::I64, MemFlagsData::trusted(), args, (i * 8) as i32);
        call_args.push(from_bits(&mut b, bits, ty));
    }
    let callee = module.declare_func_in_func(body, b.func);
    let call = b.ins().call(callee, &call_args);
    let result = match b.inst_results(call).first().copied() {
        Some(v) => to_bits(&mut b, v),
        None => b.ins().iconst(types::I64, 0),
    };
    b.ins().return_(&[result]);
    b.seal_all_blocks();
    b.finalize(module.isa().frontend_config());
}

fn from_bits(b: &mut FunctionBuilder<'_>, bits: Value, ty: Type) -> Value {
    match ty {
        types::F64 => b.ins().bitcast(types::F64, MemFlagsData::new(), bits),
        types::I8 => b.ins().ireduce(types::I8, bits),
        _ => bits,
    }
}

fn to_bits(b: &mut FunctionBuilder<'_>, v: Value) -> Value {
    match b.func.dfg.value_type(v) {
        types::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
        types::I8 => b.ins().uextend(types::I64, v),
        _ => v,
    }
}

/// Generates one function's body.
struct FnGen<'a, 'b, M: Module> {
    b: FunctionBuilder<'b>,
    module: &'a mut M,
    helpers: &'a Helpers,
    ids: &'a [Option<(FuncId, FuncId)>],
    funcs: &'a [Option<Func>],
    sites: &'a [Site<'a>],
    refs: HashMap<FuncId, FuncRef>,
    ctx: Value,
    /// Scalar locals by local index.
    vars: Vec<Option<Variable>>,
    /// The frame slot of each local held as a `Value`.
    slots: Vec<Option<u32>>,
    /// The frame of `Value` slots, if the function has any.
    frame: Option<(StackSlot, u32)>,
    /// Where a `Value` result goes.
    out: Option<Value>,
    /// Innermost last: (where `continue` goes, where `break` goes).
    loops: Vec<(cranelift_codegen::ir::Block, cranelift_codegen::ir::Block)>,
    /// Returns a placeholder value after an error: the caller reads `ctx.failed`.
    unwind: cranelift_codegen::ir::Block,
    ret: Rep,
    ptr: Type,
}

impl<'a, 'b, M: Module> FnGen<'a, 'b, M> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        mut b: FunctionBuilder<'b>,
        module: &'a mut M,
        helpers: &'a Helpers,
        ids: &'a [Option<(FuncId, FuncId)>],
        funcs: &'a [Option<Func>],
        sites: &'a [Site<'a>],
        f: &Func,
        ptr: Type,
    ) -> FnGen<'a, 'b, M> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let ctx = params[0];
        let out = (f.ret == Rep::Ref).then(|| params[1]);
        let mut vars = Vec::with_capacity(f.locals.len());
        let mut slots = Vec::with_capacity(f.locals.len());
        let mut frame_len = 0;
        for rep in &f.locals {
            if *rep == Rep::Ref {
                slots.push(Some(frame_len));
                frame_len += 1;
                vars.push(None);
                continue;
            }
            slots.push(None);
            vars.push(clif_type(*rep).map(|ty| {
                let var = b.declare_var(ty);
                let zero = zero(&mut b, ty);
                b.def_var(var, zero);
                var
            }));
        }
        let frame = (frame_len > 0).then(|| {
            let data = StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                frame_len * SLOT,
                std::mem::align_of::<paw_runtime::Value>().trailing_zeros() as u8,
            );
            (b.create_sized_stack_slot(data), frame_len)
        });
        let unwind = b.create_block();
        b.set_cold_block(unwind);
        let mut gen = FnGen {
            b,
            module,
            helpers,
            ids,
            funcs,
            sites,
            refs: HashMap::new(),
            ctx,
            vars,
            slots,
            frame,
            out,
            loops: Vec::new(),
            unwind,
            ret: f.ret,
            ptr,
        };
        if let Some((slot, len)) = gen.frame {
            let base = gen.b.ins().stack_addr(ptr, slot, 0);
            let len = gen.b.ins().iconst(types::I32, i64::from(len));
            gen.helper(gen.helpers.frame_init, &[base, len]);
        }
        let mut incoming = params[1 + usize::from(out.is_some())..].iter();
        for (local, rep) in f.params.iter().enumerate() {
            if let (Some(_), Some(value)) = (clif_type(*rep), incoming.next()) {
                gen.store_param(local as u32, *value);
            }
        }
        gen
    }

    /// Parameter `local` arrives in `value`: a scalar as is, a `Value` as the address of the caller's,
    /// cloned into this frame.
    fn store_param(&mut self, local: u32, value: Value) {
        if let Some(var) = self.vars[local as usize] {
            self.b.def_var(var, value);
        } else if self.slots[local as usize].is_some() {
            let dest = self.slot_addr(local);
            self.helper(self.helpers.clone_into, &[dest, value]);
        }
    }

    /// The address of the frame slot of `Value` local `local`.
    fn slot_addr(&mut self, local: u32) -> Value {
        match (self.frame, self.slots[local as usize]) {
            (Some((frame, _)), Some(i)) => self.b.ins().stack_addr(self.ptr, frame, (i * SLOT) as i32),
            _ => self.b.ins().iconst(self.ptr, 0),
        }
    }

    /// Drops the frame's values, before a return.
    fn drop_frame(&mut self) {
        if let Some((slot, len)) = self.frame {
            let base = self.b.ins().stack_addr(self.ptr, slot, 0);
            let len = self.b.ins().iconst(types::I32, i64::from(len));
            self.helper(self.helpers.frame_drop, &[base, len]);
        }
    }

    fn finish(mut self, body: &Node) {
        let result = self.expr(body);
        self.return_(result, body);
        self.b.switch_to_block(self.unwind);
        self.drop_frame();
        let placeholder = if self.ret == Rep::Ref {
            Vec::new()
        } else {
            self.placeholder(self.ret)
        };
        self.b.ins().return_(&placeholder);
        self.b.seal_all_blocks();
        self.b.finalize(self.module.isa().frontend_config());
    }

    fn placeholder(&mut self, rep: Rep) -> Vec<Value> {
        clif_type(rep).map(|ty| zero(&mut self.b, ty)).into_iter().collect()
    }

    /// Returns `value`, the value of `node`. A `Value` result goes to `out`: moved when it is in a slot of this
    /// frame (about to be dropped), cloned when it is a constant.
    fn return_(&mut self, value: Option<Value>, node: &Node) {
        let values = match (value, clif_type(self.ret)) {
            (Some(v), Some(_)) if self.ret == Rep::Ref => {
                if let Some(out) = self.out {
                    let in_frame = node.is_fresh() || node.borrowed_local().is_some();
                    let store = if in_frame {
                        self.helpers.move_into
                    } else {
                        self.helpers.clone_into
                    };
                    self.helper(store, &[out, v]);
                }
                Vec::new()
            }
            (Some(v), Some(_)) => vec![v],
            (_, _) if self.ret == Rep::Ref => Vec::new(),
            (_, ty) => ty.map(|ty| zero(&mut self.b, ty)).into_iter().collect(),
        };
        self.drop_frame();
        self.b.ins().return_(&values);
        self.dead_block();
    }

    /// Continues in a block nothing jumps to, after a jump or return: the code that follows is unreachable.
    fn dead_block(&mut self) {
        let dead = self.b.create_block();
        self.b.switch_to_block(dead);
    }

    fn func_ref(&mut self, id: FuncId) -> FuncRef {
        if let Some(r) = self.refs.get(&id) {
            return *r;
        }
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.refs.insert(id, r);
        r
    }

    /// Calls runtime helper `id`; returns its results.
    fn helper(&mut self, id: FuncId, args: &[Value]) -> Vec<Value> {
        let r = self.func_ref(id);
        let call = self.b.ins().call(r, args);
        self.b.inst_results(call).to_vec()
    }

    /// If `cond`, runs `on_error` (which sets the error) in a cold block and unwinds.
    fn fail_if(&mut self, cond: Value, on_error: impl FnOnce(&mut Self)) {
        let (err, ok) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(err);
        self.b.ins().brif(cond, err, &[], ok, &[]);
        self.b.switch_to_block(err);
        on_error(self);
        self.b.ins().jump(self.unwind, &[]);
        self.b.switch_to_block(ok);
    }

    fn site(&mut self, site: SiteId) -> Value {
        self.b.ins().iconst(types::I32, i64::from(site.0))
    }

    /// The value of `node` in a register of `rep`: a placeholder where the node never produces one.
    fn value(&mut self, node: &Node, rep: Rep) -> Value {
        match self.expr(node) {
            Some(v) => v,
            None => zero(&mut self.b, clif_type(rep).unwrap_or(types::I64)),
        }
    }

    fn expr(&mut self, node: &Node) -> Option<Value> {
        match node {
            Node::Const(c) => match *c {
                Const::Int(i) => Some(self.b.ins().iconst(types::I64, i)),
                Const::Float(f) => Some(self.b.ins().f64const(f)),
                Const::Bool(v) => Some(self.b.ins().iconst(types::I8, i64::from(v))),
                Const::Unit => None,
            },
            Node::Constant(i) => {
                let base = self
                    .b
                    .ins()
                    .load(self.ptr, MemFlagsData::trusted(), self.ctx, rt::CONSTANTS_OFFSET);
                Some(self.b.ins().iadd_imm_s(base, i64::from(*i) * i64::from(SLOT)))
            }
            Node::Local(i) => match self.vars[*i as usize] {
                Some(var) => Some(self.b.use_var(var)),
                None if self.slots[*i as usize].is_some() => Some(self.slot_addr(*i)),
                None => None,
            },
            Node::Set(i, value) => {
                let v = self.expr(value);
                if let (Some(var), Some(v)) = (self.vars[*i as usize], v) {
                    self.b.def_var(var, v);
                } else if let (Some(_), Some(v)) = (self.slots[*i as usize], v) {
                    let dest = self.slot_addr(*i);
                    let store = if value.is_fresh() {
                        self.helpers.move_into
                    } else {
                        self.helpers.clone_into
                    };
                    self.helper(store, &[dest, v]);
                }
                None
            }
            Node::Block(stmts, tail) => {
                for s in stmts {
                    self.expr(s);
                }
                tail.as_ref().and_then(|t| self.expr(t))
            }
            Node::IntOp { op, lhs, rhs, site } => {
                let (a, b) = (self.value(lhs, Rep::Int), self.value(rhs, Rep::Int));
                Some(self.int_op(*op, a, b, *site))
            }
            Node::FloatOp { op, lhs, rhs, site } => {
                let (a, b) = (self.value(lhs, Rep::Float), self.value(rhs, Rep::Float));
                Some(self.float_op(*op, a, b, *site))
            }
            Node::NegInt(x, site) => {
                let x = self.value(x, Rep::Int);
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                let site = *site;
                self.fail_if(is_min, |g| {
                    let (ctx, site) = (g.ctx, g.site(site));
                    g.helper(g.helpers.unary_error, &[ctx, site, x]);
                });
                Some(self.b.ins().ineg(x))
            }
            Node::NegFloat(x) => {
                let x = self.value(x, Rep::Float);
                Some(self.b.ins().fneg(x))
            }
            Node::Not(x) => {
                let x = self.value(x, Rep::Bool);
                Some(self.b.ins().icmp_imm_s(IntCC::Equal, x, 0))
            }
            Node::Cmp { op, rep, lhs, rhs } => {
                let (a, b) = (self.value(lhs, *rep), self.value(rhs, *rep));
                Some(if *rep == Rep::Float {
                    let cc = match op {
                        Cmp::Eq => FloatCC::Equal,
                        Cmp::Ne => FloatCC::NotEqual,
                        Cmp::Lt => FloatCC::LessThan,
                        Cmp::Le => FloatCC::LessThanOrEqual,
                        Cmp::Gt => FloatCC::GreaterThan,
                        Cmp::Ge => FloatCC::GreaterThanOrEqual,
                    };
                    self.b.ins().fcmp(cc, a, b)
                } else {
                    let cc = match op {
                        Cmp::Eq => IntCC::Equal,
                        Cmp::Ne => IntCC::NotEqual,
                        Cmp::Lt => IntCC::SignedLessThan,
                        Cmp::Le => IntCC::SignedLessThanOrEqual,
                        Cmp::Gt => IntCC::SignedGreaterThan,
                        Cmp::Ge => IntCC::SignedGreaterThanOrEqual,
                    };
                    self.b.ins().icmp(cc, a, b)
                })
            }
            Node::And(lhs, rhs) => Some(self.short_circuit(lhs, rhs, true)),
            Node::Or(lhs, rhs) => Some(self.short_circuit(lhs, rhs, false)),
            Node::If { cond, then, else_, rep } => {
                let c = self.value(cond, Rep::Bool);
                let (then_block, else_block, join) =
                    (self.b.create_block(), self.b.create_block(), self.b.create_block());
                let ty = clif_type(*rep);
                let result = ty.map(|ty| self.b.append_block_param(join, ty));
                self.b.ins().brif(c, then_block, &[], else_block, &[]);
                for (block, branch) in [(then_block, then), (else_block, else_)] {
                    self.b.switch_to_block(block);
                    let args: Vec<BlockArg> = ty
                        .map(|_| BlockArg::from(self.value(branch, *rep)))
                        .into_iter()
                        .collect();
                    if ty.is_none() {
                        self.expr(branch);
                    }
                    self.b.ins().jump(join, &args);
                }
                self.b.switch_to_block(join);
                result
            }
            Node::While { cond, body } => {
                let (header, body_block, exit) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let c = self.value(cond, Rep::Bool);
                self.b.ins().brif(c, body_block, &[], exit, &[]);
                self.b.switch_to_block(body_block);
                self.loops.push((header, exit));
                self.expr(body);
                self.loops.pop();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(exit);
                None
            }
            Node::ForRange { var, start, end, body } => {
                let start = self.value(start, Rep::Int);
                let end = self.value(end, Rep::Int);
                let (header, body_block, next, exit) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                // The loop counts in a block parameter of its own: the body sees a copy in `var`.
                let i = self.b.append_block_param(header, types::I64);
                self.b.ins().jump(header, &[BlockArg::from(start)]);
                self.b.switch_to_block(header);
                let more = self.b.ins().icmp(IntCC::SignedLessThan, i, end);
                self.b.ins().brif(more, body_block, &[], exit, &[]);
                self.b.switch_to_block(body_block);
                if let Some(v) = self.vars[*var as usize] {
                    self.b.def_var(v, i);
                }
                self.loops.push((next, exit));
                self.expr(body);
                self.loops.pop();
                self.b.ins().jump(next, &[]);
                self.b.switch_to_block(next);
                let i_next = self.b.ins().iadd_imm_s(i, 1);
                self.b.ins().jump(header, &[BlockArg::from(i_next)]);
                self.b.switch_to_block(exit);
                None
            }
            Node::Break | Node::Continue => {
                if let Some(&(next, exit)) = self.loops.last() {
                    let target = if matches!(node, Node::Break) { exit } else { next };
                    self.b.ins().jump(target, &[]);
                    self.dead_block();
                }
                None
            }
            Node::Return(value) => {
                let v = self.expr(value);
                self.return_(v, value);
                None
            }
            Node::Call { site, args, ret, dest } => self.call(*site, args, *ret, *dest),
        }
    }

    fn short_circuit(&mut self, lhs: &Node, rhs: &Node, is_and: bool) -> Value {
        let a = self.value(lhs, Rep::Bool);
        let (rhs_block, join) = (self.b.create_block(), self.b.create_block());
        let result = self.b.append_block_param(join, types::I8);
        if is_and {
            self.b.ins().brif(a, rhs_block, &[], join, &[BlockArg::from(a)]);
        } else {
            self.b.ins().brif(a, join, &[BlockArg::from(a)], rhs_block, &[]);
        }
        self.b.switch_to_block(rhs_block);
        let b = self.value(rhs, Rep::Bool);
        self.b.ins().jump(join, &[BlockArg::from(b)]);
        self.b.switch_to_block(join);
        result
    }

    fn binary_error(&mut self, site: SiteId, a: Value, b: Value) {
        let (ctx, site) = (self.ctx, self.site(site));
        self.helper(self.helpers.binary_error, &[ctx, site, a, b]);
    }

    fn int_op(&mut self, op: ArithOp, a: Value, b: Value, site: SiteId) -> Value {
        let checked = |g: &mut Self, (r, overflow): (Value, Value)| {
            g.fail_if(overflow, |g| g.binary_error(site, a, b));
            r
        };
        match op {
            ArithOp::Add => {
                let r = self.b.ins().sadd_overflow(a, b);
                checked(self, r)
            }
            ArithOp::Sub => {
                let r = self.b.ins().ssub_overflow(a, b);
                checked(self, r)
            }
            ArithOp::Mul => {
                let r = self.b.ins().smul_overflow(a, b);
                checked(self, r)
            }
            ArithOp::Div | ArithOp::Rem => {
                // Zero divisors and `MIN / -1` take the reference executor's error path.
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                let overflow = self.b.ins().band(minus_one, min);
                let bad = self.b.ins().bor(zero, overflow);
                self.fail_if(bad, |g| g.binary_error(site, a, b));
                if op == ArithOp::Div {
                    self.b.ins().sdiv(a, b)
                } else {
                    self.b.ins().srem(a, b)
                }
            }
        }
    }

    fn float_op(&mut self, op: ArithOp, a: Value, b: Value, site: SiteId) -> Value {
        match op {
            ArithOp::Add => self.b.ins().fadd(a, b),
            ArithOp::Sub => self.b.ins().fsub(a, b),
            ArithOp::Mul => self.b.ins().fmul(a, b),
            ArithOp::Div | ArithOp::Rem => {
                let zero = self.b.ins().f64const(0.0);
                let is_zero = self.b.ins().fcmp(FloatCC::Equal, b, zero);
                self.fail_if(is_zero, |g| {
                    let (a, b) = (
                        g.b.ins().bitcast(types::I64, MemFlagsData::new(), a),
                        g.b.ins().bitcast(types::I64, MemFlagsData::new(), b),
                    );
                    g.binary_error(site, a, b)
                });
                if op == ArithOp::Div {
                    self.b.ins().fdiv(a, b)
                } else {
                    self.helper(self.helpers.frem, &[a, b])[0]
                }
            }
        }
    }

    /// A call or runtime operation; a `Value` result lands in temporary `dest`, whose address is the result.
    fn call(&mut self, site: SiteId, args: &[Node], ret: Rep, dest: Option<u32>) -> Option<Value> {
        let native = match &self.sites[site.0 as usize].kind {
            SiteKind::Call(callee) => self.native_callee(*callee),
            _ => None,
        };
        let out = dest.map(|d| self.slot_addr(d));
        match native {
            Some((id, params)) => {
                let mut values = vec![self.ctx];
                values.extend(out);
                for (arg, rep) in args.iter().zip(params) {
                    let v = self.expr(arg);
                    if let Some(ty) = clif_type(rep) {
                        values.push(v.unwrap_or_else(|| zero(&mut self.b, ty)));
                    }
                }
                let result = self.direct_call(id, &values, site);
                out.or(result)
            }
            None => {
                let result = self.call_out(site, args, ret, out);
                out.or(result)
            }
        }
    }

    /// The native function and parameter representations of `callee`, if it was compiled.
    fn native_callee(&self, callee: FnId) -> Option<(FuncId, Vec<Rep>)> {
        let (id, _) = (*self.ids.get(callee.index())?)?;
        let params = self.funcs[callee.index()].as_ref()?.params.clone();
        Some((id, params))
    }

    /// A call of another compiled function: depth checked and counted, its frame recorded on error.
    fn direct_call(&mut self, id: FuncId, args: &[Value], site: SiteId) -> Option<Value> {
        let flags = MemFlagsData::trusted();
        let depth = self.b.ins().load(types::I32, flags, self.ctx, rt::DEPTH_OFFSET);
        let too_deep = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, depth, i64::from(MAX_DEPTH));
        self.fail_if(too_deep, |g| {
            let (ctx, site) = (g.ctx, g.site(site));
            g.helper(g.helpers.too_deep, &[ctx, site]);
        });
        let deeper = self.b.ins().iadd_imm_s(depth, 1);
        self.b.ins().store(flags, deeper, self.ctx, rt::DEPTH_OFFSET);
        let r = self.func_ref(id);
        let call = self.b.ins().call(r, args);
        let result = self.b.inst_results(call).first().copied();
        self.b.ins().store(flags, depth, self.ctx, rt::DEPTH_OFFSET);
        let failed = self.b.ins().load(types::I32, flags, self.ctx, rt::FAILED_OFFSET);
        self.fail_if(failed, |g| {
            let (ctx, site) = (g.ctx, g.site(site));
            g.helper(g.helpers.leave_frame, &[ctx, site]);
        });
        result
    }

    /// A call through the runtime: operands as register bits (or slot addresses) in a stack array, a `Value`
    /// result written to `out`.
    fn call_out(&mut self, site: SiteId, args: &[Node], ret: Rep, out: Option<Value>) -> Option<Value> {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (args.len().max(1) * 8) as u32,
            3,
        ));
        for (i, arg) in args.iter().enumerate() {
            let bits = match self.expr(arg) {
                Some(v) => to_bits(&mut self.b, v),
                None => self.b.ins().iconst(types::I64, 0),
            };
            self.b.ins().stack_store(self.ptr, bits, slot, (i * 8) as i32);
        }
        let addr = self.b.ins().stack_addr(self.ptr, slot, 0);
        let (ctx, site_value) = (self.ctx, self.site(site));
        let out = out.unwrap_or_else(|| self.b.ins().iconst(self.ptr, 0));
        let bits = self.helper(self.helpers.call, &[ctx, site_value, addr, out])[0];
        let failed = self
            .b
            .ins()
            .load(types::I32, MemFlagsData::trusted(), self.ctx, rt::FAILED_OFFSET);
        self.fail_if(failed, |_| {});
        match ret {
            Rep::Ref => None,
            _ => clif_type(ret).map(|ty| from_bits(&mut self.b, bits, ty)),
        }
    }
}

fn zero(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    match ty {
        types::F64 => b.ins().f64const(0.0),
        ty => b.ins().iconst(ty, 0),
    }
}
