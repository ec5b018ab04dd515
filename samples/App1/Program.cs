using System.Runtime.InteropServices;
using Samples.Apps;

// An app (App1, App2) only declares its Pki (config.yml) and idles until stopped, logging the certificate the control plane
// provisioned, and again whenever the kubelet updates the mounted Secret (a renewal). App2 compiles this same file.
var app = typeof(Program).Assembly.GetName().Name!.ToLowerInvariant();
var mountPath = Environment.GetEnvironmentVariable("PKI_PATH") ?? "/etc/pki";
var poll = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("PKI_POLL_SECONDS"), out var s) && s > 0 ? s : 10);
using var stopped = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped.Cancel(); };

Console.WriteLine($"{app}: PKI at {mountPath}, checked every {poll.TotalSeconds:0} s; idling until stopped");
string? seen = null;
var waiting = false;
using var timer = new PeriodicTimer(poll);
try
{
    do
    {
        switch (MountedCertificate.Read(mountPath))
        {
            case null when !waiting:
                Console.WriteLine($"{app}: no certificate at {mountPath}/tls.crt yet; waiting");
                (waiting, seen) = (true, null);
                break;
            case { } current when current.Fingerprint != seen:
                Console.WriteLine($"{app}: {(seen is null ? "using" : "certificate changed, now using")} {current.Description}");
                (waiting, seen) = (false, current.Fingerprint);
                break;
        }
    }
    while (await timer.WaitForNextTickAsync(stopped.Token));
}
catch (OperationCanceledException)
{
    Console.WriteLine($"{app}: stopping");
}
