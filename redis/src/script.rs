//! The GCRA decision as one Lua script, run on the server with its own clock.

/// `KEYS[1]`: the limit's key. `ARGV`: the call's cost (`weight × T`), the tolerance
/// (`burst_size × T`) and the call's `max_wait`, all in whole microseconds (`T`, the
/// emission interval, is `10^6 / rate` µs). Returns `{admitted, wait}`: `{1, w}` took the
/// tokens (the call runs `w` µs from now, `w <= max_wait`), `{0, w}` refused (the tokens
/// come `w` µs from now), writing nothing.
///
/// The TAT (theoretical arrival time: the instant the bucket is full again) is the key's
/// value, in microseconds of the server's `TIME`; a missing key, or one in the past, is a
/// full bucket. It is written with `PX` set to the time left until it: an idle limit's key
/// expires when its bucket has refilled, and nothing is lost (a full bucket is what a
/// missing key reads as). Every quantity is an integer below 2^53, exact in Lua's numbers.
pub(crate) const GCRA: &str = r#"
local cost = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then
  tat = now
end
local new = tat + cost
local wait = new - tau - now
if wait > max_wait then
  return {0, wait}
end
if wait < 0 then
  wait = 0
end
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil((new - now) / 1000))
return {1, wait}
"#;
