-- A tight numeric loop: integer and float arithmetic in one function, no allocation.
local function work(n)
  local total = 0
  local x = 0.5
  for i = 0, n - 1 do
    total = (total + i * i % 7) % 1000000007
    x = x * 0.999 + 0.001
  end
  return total + math.floor(x * 1000.0)
end

print(work(20000000))
