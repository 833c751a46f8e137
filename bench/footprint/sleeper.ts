// The agent footprint's yardstick: compiled with `bun build --compile`, this is the least a Bun
// executable costs while it waits for nothing. The real agent idles next to it.
setInterval(() => {}, 1 << 30);
