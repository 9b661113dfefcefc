" Vim syntax file for paw (.pw). A small regex highlighter for Vim and Neovim, which have no TextMate support;
" the language server adds semantic highlighting on top where the editor supports it.
if exists('b:current_syntax')
  finish
endif

syn keyword pawKeyword      let mut use test
syn keyword pawConditional  if else match
syn keyword pawRepeat       while for in
syn keyword pawStatement    return break continue
syn keyword pawStructure    struct enum nextgroup=pawTypeName skipwhite
syn keyword pawStorage      native
syn keyword pawFn           fn nextgroup=pawFuncName skipwhite
syn keyword pawFuzzy        fuzzy nextgroup=pawFuzzyFn skipwhite
syn keyword pawFuzzyFn      fn contained nextgroup=pawFuzzyName skipwhite
syn keyword pawBoolean      true false
syn keyword pawNone         none
syn keyword pawType         int float bool str json list dict never

syn match   pawFuncName     "\<[A-Za-z_][A-Za-z0-9_]*\>" contained
syn match   pawFuzzyName    "\<[A-Za-z_][A-Za-z0-9_]*\>" contained
syn match   pawTypeName     "\<[A-Za-z_][A-Za-z0-9_]*\>" contained
syn match   pawUserType     "\<[A-Z][A-Za-z0-9_]*\>"
syn match   pawCall         "\<[a-z_][A-Za-z0-9_]*\ze\s*("
syn match   pawVariant      "\%(\<[A-Z][A-Za-z0-9_]*\.\)\@<=[a-z_][A-Za-z0-9_]*\>\%(\s*(\)\@!"
syn match   pawOperator     "??\|->\|=>\|\.\.\|[-+*/%=!<>&|?]"

syn match   pawNumber       "\<[0-9][0-9_]*\>"
syn match   pawFloat        "\<[0-9][0-9_]*\.[0-9][0-9_]*\([eE][+-]\=[0-9][0-9_]*\)\=\>"
syn match   pawFloat        "\<[0-9][0-9_]*[eE][+-]\=[0-9][0-9_]*\>"

syn match   pawEscape       "\\\([ntr\\\"{}0]\|u{\x\{1,6}}\)" contained
syn region  pawInterp       matchgroup=pawInterpDelim start="{" end="}\|$" contained contains=TOP,pawDocComment
syn region  pawString       start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=pawEscape,pawInterp

syn match   pawComment      "//.*$" contains=@Spell
syn match   pawDocComment   "^\s*///\%(/\)\@!.*$" contains=pawDocCode,@Spell
syn match   pawDocCode      "`[^`]*`" contained
" `/// >>> f(args)` and, on the next `///` line, the expected value.
syn match   pawDocSlashes   "///" contained
syn region  pawDocExample   matchgroup=pawExamplePrompt start="^\s*///\s*>>>" matchgroup=pawDocExpected end="^\s*///\s*\zs.*$" end="^\%(\s*///\)\@!" keepend contains=pawDocSlashes,pawString,pawNumber,pawFloat,pawBoolean,pawNone,pawCall

hi def link pawKeyword       Keyword
hi def link pawConditional   Conditional
hi def link pawRepeat        Repeat
hi def link pawStatement     Statement
hi def link pawStructure     Structure
hi def link pawStorage       StorageClass
hi def link pawFn            Keyword
hi def link pawFuzzy         Special
hi def link pawFuzzyFn       Special
hi def link pawFuzzyName     Function
hi def link pawFuncName      Function
hi def link pawTypeName      Type
hi def link pawUserType      Type
hi def link pawType          Type
hi def link pawCall          Function
hi def link pawVariant       Constant
hi def link pawOperator      Operator
hi def link pawBoolean       Boolean
hi def link pawNone          Constant
hi def link pawNumber        Number
hi def link pawFloat         Float
hi def link pawString        String
hi def link pawEscape        SpecialChar
hi def link pawInterpDelim   Delimiter
hi def link pawComment       Comment
hi def link pawDocComment    SpecialComment
hi def link pawDocCode       Identifier
hi def link pawDocExample    PreProc
hi def link pawDocSlashes    SpecialComment
hi def link pawExamplePrompt Special
hi def link pawDocExpected   Constant

let b:current_syntax = 'paw'
