-- Counts the words of a text file (the path is the first argument) with a table.
local f = assert(io.open(arg[1]))
local text = f:read("a")
f:close()
local counts = {}
local total, distinct = 0, 0
for line in text:gmatch("([^\n]*)\n") do
  for word in line:gmatch("%S+") do
    local n = counts[word]
    if n == nil then
      distinct = distinct + 1
      counts[word] = 1
    else
      counts[word] = n + 1
    end
    total = total + 1
  end
end
print(total)
print(distinct)
print(counts["the"])
