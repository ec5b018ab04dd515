using System.Runtime.InteropServices;

// An app (App1, App2) only declares its Pki (config.yml) and idles until stopped, showing what the control plane provisioned.
// App2 compiles this same file; the name comes from the assembly.
var app = typeof(Program).Assembly.GetName().Name!.ToLowerInvariant();
var mountPath = Environment.GetEnvironmentVariable("PKI_PATH") ?? "/etc/pki";
using var stopped = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.Cancel(); };

var files = Directory.Exists(mountPath)
    ? Directory.GetFiles(mountPath).Select(Path.GetFileName).Where(f => !f!.StartsWith("..", StringComparison.Ordinal))
    : [];
Console.WriteLine($"{app}: PKI at {mountPath}: [{string.Join(", ", files)}]; idling until stopped");

try
{
    await Task.Delay(Timeout.Infinite, stopped.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine($"{app}: stopping");
}
