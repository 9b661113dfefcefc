" paw filetype settings: comments, docstring continuation, indentation.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

" `gc` (Neovim 0.10+, vim-commentary) comments with `//`.
setlocal commentstring=//\ %s
" `///` docstring lines continue on <Enter> and `o`; `//` comments are recognised for formatting.
setlocal comments=:///,://
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=4 softtabstop=4 tabstop=4
setlocal suffixesadd=.pw

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< tabstop< suffixesadd<'
