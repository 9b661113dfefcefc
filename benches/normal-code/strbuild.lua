-- A loop appending 100,000 interpolated lines to one string. Lua strings are immutable, so the idiomatic
-- builder is a table of pieces joined once (`s = s .. x` in the loop would copy the whole string each time).
local parts = {}
for i = 0, 99999 do
  parts[#parts + 1] = string.format("line %d\n", i)
end
local s = table.concat(parts)
print(#s)
local lines = {}
for line in s:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
print(lines[100000])
