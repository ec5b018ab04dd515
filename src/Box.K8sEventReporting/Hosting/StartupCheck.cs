using Box.K8sEventReporting.Controller;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Checks the whole configuration once when the host starts and turns every problem into ONE critical log line that names
/// each setting or file, its value and what is allowed; then stops the host with exit code 1. A <c>Program.cs</c> that only
/// calls <c>await builder.Build().RunAsync();</c> so ends non-zero without an unhandled exception or a stack trace.
/// </summary>
/// <remarks>
/// Registered as the host's <see cref="IStartupValidator"/>, it runs every other startup validator (the options' own
/// <c>ValidateOnStart</c>, the application's included) and catches what they throw, then checks that the Kubernetes client
/// can be built (a missing, unreadable or malformed kubeconfig) and that the controllers accept their options. Without a host
/// (hosted services started by hand), the controllers' service runs it on its first start. The exception and its stack are
/// logged at Debug only.
/// </remarks>
public sealed class StartupCheck : IStartupValidator
{
    private readonly object _gate = new();
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private bool _ran;
    private volatile string? _problem;

    internal StartupCheck(IServiceProvider services)
    {
        _services = services;
        _logger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Box.K8sEventReporting.Hosting");
    }

    /// <summary>Gets why the host did not start, or <see langword="null"/>.</summary>
    public string? Problem => _problem;

    /// <inheritdoc />
    public void Validate() => Run();

    /// <summary>Runs the checks the first time it is called; returns why the host cannot start, or <see langword="null"/>.</summary>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    public string? Run()
    {
        lock (_gate)
        {
            if (_ran)
            {
                return _problem;
            }

            _ran = true;
            var problems = new List<string>();
            var configuration = _services.GetService<IConfiguration>();

            // The library's options one by one first: the options' own start-up validator stops at the first value that
            // does not convert, and every bad setting should be in the one line.
            Try(problems, configuration, () => _ = _services.GetService<IOptions<ControllerOptions>>()?.Value);
            Try(problems, configuration, () => _ = _services.GetService<IOptions<LeaderElectionOptions>>()?.Value);
            Try(problems, configuration, () => _ = _services.GetService<IOptions<Reporting.EventReporterOptions>>()?.Value);
            Try(problems, configuration, () => _ = _services.GetService<IOptions<HealthProbeOptions>>()?.Value);
            foreach (var validator in _services.GetServices<IStartupValidator>())
            {
                if (validator is not StartupCheck)
                {
                    Try(problems, configuration, validator.Validate);
                }
            }

            if (problems.Count == 0)
            {
                // Building the client reads the kubeconfig: a missing, unreadable or malformed one is reported here.
                Try(problems, configuration, () => _ = _services.GetService<IKubernetes>());
            }

            if (problems.Count == 0)
            {
                // The watchers check their own options (every problem in one message) when they are built.
                Try(problems, configuration, () => _ = _services.GetServices<IControllerRunner>().ToArray());
            }

            if (problems.Count > 0)
            {
                Fail(string.Join(" ", problems.Distinct(StringComparer.Ordinal)));
            }
            else if (_services.GetService<LibraryConfiguration>() is { } library)
            {
                // A misspelled key binds to nothing: one warning each (the check runs once), not a failed start.
                var sections = UnknownSettings.Core.Concat(_services.GetServices<LibrarySection>());
                foreach (var (key, value, closest) in UnknownSettings.Find(library.Section, sections))
                {
                    Log.UnknownSetting(_logger, key, value is null ? "a section" : $"value '{value}'", closest.Length == 0 ? string.Empty : $"; did you mean '{closest}'?");
                }
            }

            return _problem;
        }
    }

    /// <summary>Logs the one line and, under a host, sets exit code 1 and stops it; only the first problem is kept.</summary>
    /// <param name="problem">What is wrong, naming the setting or file, its value and what is allowed.</param>
    public void Fail(string problem)
    {
        if (_problem is not null)
        {
            return;
        }

        _problem = problem;
        Log.StartFailed(_logger, problem);
        if (_services.GetService<IHostApplicationLifetime>() is { } lifetime)
        {
            // The process is an application (not a test composing services by hand): it ends, non-zero. The stop waits
            // until the host has finished starting, so that its start is not cancelled into an exception.
            Environment.ExitCode = 1;
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        }
    }

    private void Try(List<string> problems, IConfiguration? configuration, Action check)
    {
        try
        {
            check();
        }
#pragma warning disable CA1031 // Whatever a startup check throws is a configuration problem to report in one line.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StartCheckFailed(_logger, ex);
            problems.AddRange(ConfigurationErrors.Describe(ex, configuration));
        }
    }
}
