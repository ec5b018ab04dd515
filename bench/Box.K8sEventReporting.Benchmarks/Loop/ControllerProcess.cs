using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// A controller under measurement, in a process of its own: <c>ours</c> is the ControlPlane sample's publish output run as
/// deployed (KUBECONFIG, the AllowedNames file, its /readyz probe endpoint); <c>seed</c> is this executable's
/// <c>loop --child seed</c>. Its CPU time and peak RSS are read from /proc (Linux), by this process, never by the
/// controller itself. Its stdout and stderr go to a log file.
/// </summary>
internal sealed class ControllerProcess : IDisposable
{
    private static readonly double TicksPerSecond = 100;   // USER_HZ: 100 on every Linux architecture .NET runs on
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process process;
    private readonly int? healthPort;
    private readonly Task draining;

    private ControllerProcess(Process process, int? healthPort, string logPath)
    {
        this.process = process;
        this.healthPort = healthPort;
        LogPath = logPath;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SeedReady = ready.Task;
        draining = Task.WhenAll(
            Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("@READY", StringComparison.Ordinal))
                    {
                        ready.TrySetResult();
                    }

                    lock (log)
                    {
                        log.WriteLine(line);
                    }
                }
            }),
            Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    lock (log)
                    {
                        log.WriteLine(line);
                    }
                }
            })).ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
    }

    public int Id => process.Id;

    public string LogPath { get; }

    private Task SeedReady { get; }

    /// <summary>Starts the ControlPlane sample from its publish directory, as a Deployment would (config.yml's env).</summary>
    public static ControllerProcess StartOurs(string publishDir, string kubeconfig, string allowedNames, string logPath, bool perfMap, IReadOnlyDictionary<string, string> environment)
    {
        var apphost = Path.Combine(publishDir, "ControlPlane");
        var start = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(publishDir, "ControlPlane.dll") } };
        var port = FreePort();
        start.WorkingDirectory = publishDir;
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["ControlPlane__AllowedNamesPath"] = allowedNames;
        start.Environment["K8sEventReporting__Health__Enabled"] = "true";
        start.Environment["K8sEventReporting__Health__Port"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["K8sEventReporting__Health__Address"] = "127.0.0.1";
        start.Environment["POD_NAMESPACE"] = "controlplane";
        start.Environment["POD_NAME"] = "controlplane-loop-bench";
        PerfMap(start, perfMap);
        return Start(start, port, logPath, environment);
    }

    /// <summary>Starts the seed's logic (<see cref="SeedControlPlane"/>) in a child process of this executable.</summary>
    public static ControllerProcess StartSeed(string kubeconfig, string allowedNames, string logPath, bool perfMap, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in new[] { "loop", LoopChild.Flag, kubeconfig, allowedNames })
        {
            start.ArgumentList.Add(arg);
        }

        // The bench's own runtimeconfig turns concurrent GC off; the seed gets .NET's default (on), as the sample.
        start.Environment["DOTNET_gcConcurrent"] = "1";
        start.RedirectStandardInput = true;
        PerfMap(start, perfMap);
        return Start(start, null, logPath, environment);
    }

    /// <summary>Waits until the controller is synced: ours answers 200 on /readyz, the seed prints @READY (watch open).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        if (healthPort is null)
        {
            await SeedReady.WaitAsync(timeout);
            return;
        }

        var url = new Uri($"http://127.0.0.1:{healthPort}/readyz");
        var listening = false;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the controller exited with {process.ExitCode}; see {LogPath}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"the controller was not ready after {timeout.TotalSeconds:N0} s; see {LogPath}");
            }

            // .NET's managed HttpListener (the probe endpoint) crashes the process when a connection arrives while its
            // Start() runs (dotnet/corefx#35191: ArgumentNullException in HttpEndPointListener.ProcessAccept), so connect
            // only once the port is listening, and a moment later.
            if (!listening)
            {
                listening = IsListening(healthPort.Value);
                await Task.Delay(listening ? 100 : 20);
                continue;
            }

            try
            {
                using var response = await Probe.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(20);
        }
    }

    /// <summary>User + system CPU seconds of the process so far (/proc/&lt;pid&gt;/stat), 10 ms resolution.</summary>
    public double CpuSeconds() => CpuSecondsOf(process.Id);

    /// <summary>Peak resident set (VmHWM) in MB so far.</summary>
    public double PeakRssMb()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>Stops it as Kubernetes does: SIGTERM (the seed: STOP on stdin), then SIGKILL after 30 s.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        if (healthPort is null)
        {
            await process.StandardInput.WriteLineAsync("STOP");
        }
        else
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        await draining.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    /// <summary>User + system CPU seconds of a process (fields 14 and 15 of /proc/&lt;pid&gt;/stat).</summary>
    public static double CpuSecondsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    // --controller-env KEY=VALUE: for the controller only (e.g. DOTNET_TieredPGO=0), last, so it wins.
    private static ControllerProcess Start(ProcessStartInfo start, int? healthPort, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the controller process");
        return new ControllerProcess(process, healthPort, logPath);
    }

    // perf names JIT-compiled code from /tmp/perf-<pid>.map, which the runtime writes when asked; perf reads the map only
    // for anonymous memory, so W^X double mapping (code in a memfd) is turned off, which itself saves a little CPU.
    private static void PerfMap(ProcessStartInfo start, bool enabled)
    {
        if (enabled)
        {
            start.Environment["DOTNET_PerfMapEnabled"] = "1";
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        }
    }

    /// <summary>Whether a socket listens on this loopback or wildcard TCP port (/proc/net/tcp, state 0A).</summary>
    private static bool IsListening(int port)
    {
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1).Any(line =>
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 3 && fields[1].EndsWith(hexPort, StringComparison.Ordinal) && fields[3] == "0A";
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
