-- paw for Neovim: starts `pawc lsp` for every paw buffer, one client per project root (the directory holding
-- paw.toml, else the file's directory). Works on Neovim 0.7 and later.
--
--   vim.opt.runtimepath:append('/path/to/paw/editors/vim')
--   require('paw').setup({ cmd = { 'pawc', 'lsp' } })   -- all options optional
local M = {}

M.config = {
  cmd = { 'pawc', 'lsp' },
  root_markers = { 'paw.toml' },
  -- Passed to the client as is (on_attach, capabilities, settings, ...).
  client = {},
}

local clients_by_root = {} -- Neovim 0.7 has no vim.lsp.start to reuse clients

local function root_dir(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h')
    end
  end
  return dir
end

function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    vim.notify_once(
      ('paw: %s not found; install pawc or pass cmd to require("paw").setup()'):format(M.config.cmd[1]),
      vim.log.levels.WARN
    )
    return nil
  end
  local root = root_dir(bufnr)
  local opts = vim.tbl_extend('force', {
    name = 'pawc',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
  }, M.config.client)
  if vim.lsp.start then -- 0.8+: reuses a running client with the same name and root_dir
    return vim.lsp.start(opts)
  end
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(opts)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { pw = 'paw' } })
  end
  local group = vim.api.nvim_create_augroup('paw_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'paw',
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- Buffers that were already open when setup() ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'paw' then
      M.start(buf)
    end
  end
end

return M
