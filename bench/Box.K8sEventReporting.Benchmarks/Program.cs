using Box.K8sEventReporting.Benchmarks;

switch (args.FirstOrDefault())
{
    case "watcher":
        await WatcherBenchmark.RunAsync();
        return 0;
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project bench/Box.K8sEventReporting.Benchmarks -- watcher");
        return 2;
}
