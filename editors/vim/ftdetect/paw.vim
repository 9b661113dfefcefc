" paw: *.pw files are the paw language.
autocmd BufRead,BufNewFile *.pw setfiletype paw
