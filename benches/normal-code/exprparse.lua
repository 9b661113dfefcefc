-- A string-heavy parser: reads a file of arithmetic expressions (ints, `+ - *`, parentheses; the path is the
-- first argument), tokenizes each line character by character and evaluates it by recursive descent.

local function peek(c)
  while c.pos <= #c.chars and c.chars[c.pos] == " " do
    c.pos = c.pos + 1
  end
  if c.pos <= #c.chars then return c.chars[c.pos] else return "" end
end

local function number(c)
  local n = 0
  while c.pos <= #c.chars do
    local ch = c.chars[c.pos]
    if ch < "0" or ch > "9" then break end
    n = n * 10 + tonumber(ch)
    c.pos = c.pos + 1
  end
  return n
end

local sum

local function factor(c)
  if peek(c) == "(" then
    c.pos = c.pos + 1
    local v = sum(c)
    peek(c)
    c.pos = c.pos + 1
    return v
  end
  return number(c)
end

local function product(c)
  local v = factor(c)
  while peek(c) == "*" do
    c.pos = c.pos + 1
    v = v * factor(c)
  end
  return v
end

sum = function(c)
  local v = product(c)
  local op = peek(c)
  while op == "+" or op == "-" do
    c.pos = c.pos + 1
    if op == "+" then v = v + product(c) else v = v - product(c) end
    op = peek(c)
  end
  return v
end

local f = assert(io.open(arg[1]))
local text = f:read("a")
f:close()
local total, lines, longest = 0, 0, ""
for line in text:gmatch("([^\n]*)\n") do
  local chars = {}
  for ch in line:gmatch(".") do chars[#chars + 1] = ch end
  local value = sum({ chars = chars, pos = 1 })
  total = ((total + value) % 1000000007 + 1000000007) % 1000000007
  lines = lines + 1
  if #line > #longest then longest = line end
end
print(lines)
print(total)
print(#longest)
