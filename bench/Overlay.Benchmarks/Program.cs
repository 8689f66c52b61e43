using BenchmarkDotNet.Running;

// Every benchmark of the tree; `make bench` runs them all, `--filter '*Ste*'` picks some.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
