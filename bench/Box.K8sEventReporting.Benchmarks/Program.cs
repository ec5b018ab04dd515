using Box.K8sEventReporting.Benchmarks.Reporting;

// Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- <mode>
// Modes: reporter (the Kubernetes Event recorder: throughput, allocations, API writes under a storm vs a plain client).
var mode = args.Length > 0 ? args[0] : "reporter";
switch (mode)
{
    case "reporter":
        await ReporterBenchmark.RunAsync(args.Skip(1).ToArray());
        return 0;
    case "loop":
        return await Box.K8sEventReporting.Benchmarks.Loop.LoopBenchmark.RunAsync(args.Skip(1).ToArray());
    default:
        Console.Error.WriteLine($"Unknown mode '{mode}'. Modes: reporter");
        return 2;
}
