using System.Globalization;
using Presently.Bench.Load;

// Figures are compared across runs and machines: print them the same way everywhere.
CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
// Ten thousand sockets' continuations should not wait for the thread pool to grow by itself.
ThreadPool.SetMinThreads(Math.Max(16, Environment.ProcessorCount * 4), Math.Max(16, Environment.ProcessorCount * 4));
return await LoadCli.RunAsync(args, Console.Out);
