// chDB runs each async query on a libuv worker; the default pool of 4 would let four long
// analyst queries starve everything else. Must run before anything touches the pool.
process.env.UV_THREADPOOL_SIZE ??= "32";
