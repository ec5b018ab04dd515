using Box.K8sEventReporting.Benchmarks;
using Box.K8sEventReporting.Benchmarks.Reporting;

// Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- <mode>
// Modes: watcher (initial sync, watch throughput, memory per object);
//        reporter (the Kubernetes Event recorder: throughput, allocations, API writes under a storm vs a plain client).
switch (args.FirstOrDefault())
{
    case "watcher":
        await WatcherBenchmark.RunAsync();
        return 0;
    case "reporter":
        await ReporterBenchmark.RunAsync(args.Skip(1).ToArray());
        return 0;
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- watcher|reporter");
        return 2;
}
