-- Sorting 100,000 pseudo-random ints (a linear congruential generator fills the list).
local xs = {}
local x = 12345
for _ = 0, 99999 do
  x = (x * 1103515245 + 12345) % 2147483648
  xs[#xs + 1] = x
end
table.sort(xs)
print(xs[1])
print(xs[50001])
print(xs[100000])
