using Box.K8sEventReporting.Benchmarks;
using Box.K8sEventReporting.Benchmarks.Reporting;

// Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- <mode> [arguments]
// Modes: watcher  (initial sync, watch throughput, memory per cached object, vs the plain client + System.Text.Json)
//        reporter (the Event recorder: throughput, allocations, API writes under a storm vs one Event per report)
//        loop     (the whole control loop vs the seed's logic: time, API requests per Pki, CPU, memory; see README-loop.md)
switch (args.FirstOrDefault())
{
    case "watcher":
        await WatcherBenchmark.RunAsync();
        return 0;
    case "reporter":
        await ReporterBenchmark.RunAsync(args.Skip(1).ToArray());
        return 0;
    case "loop":
        return await Box.K8sEventReporting.Benchmarks.Loop.LoopBenchmark.RunAsync(args.Skip(1).ToArray());
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- watcher|reporter|loop [arguments]");
        return 2;
}
