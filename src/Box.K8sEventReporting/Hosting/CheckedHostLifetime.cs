using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Wraps the host's lifetime (the console's, a service manager's) so that a start-up that fails ends with its one critical
/// line: no "Application started. Press Ctrl+C to shut down." (nor "Application is shutting down...") follows the line that
/// says why it did not.
/// </summary>
/// <remarks>
/// <para>
/// The start-up check runs before the lifetime starts, and when it fails the wrapped lifetime is never started. A failure while
/// the hosted services start (a port already taken) comes after the lifetime started, so the wrapped lifetime sees the host's
/// start and stop through <see cref="GatedApplicationLifetime"/>, which passes them on only while the check has no problem.
/// </para>
/// <para>
/// The host then finishes starting and stops: the stop is requested when the host reports itself started, so <c>RunAsync</c>
/// returns normally and the exit code is the check's 1.
/// </para>
/// </remarks>
internal sealed class CheckedHostLifetime(IHostLifetime inner, StartupCheck check, IDisposable? gate = null) : IHostLifetime, IDisposable
{
    private bool started;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        if (check.Run() is not null)
        {
            return Task.CompletedTask;
        }

        started = true;
        return inner.WaitForStartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => started ? inner.StopAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Disposes the wrapped lifetime (the container did not create it, so it would not): it unregisters its signal handlers.</summary>
    public void Dispose()
    {
        (inner as IDisposable)?.Dispose();
        gate?.Dispose();
    }

    /// <summary>Wraps the lifetime registered so far, if any (a host registers its own before the application's services).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var descriptor = services.LastOrDefault(static d => d.ServiceType == typeof(IHostLifetime));
        if (descriptor is null || descriptor.ImplementationFactory is { Target: Wrapper })
        {
            return;
        }

        services.Remove(descriptor);
        var wrapper = new Wrapper(descriptor);
        services.Add(ServiceDescriptor.Singleton<IHostLifetime>(wrapper.Create));
    }

    private sealed class Wrapper(ServiceDescriptor inner)
    {
        public CheckedHostLifetime Create(IServiceProvider services)
        {
            var check = services.GetRequiredService<StartupCheck>();
            if (inner.ImplementationInstance is null && inner.ImplementationFactory is null
                && services.GetService<IHostApplicationLifetime>() is { } lifetime)
            {
                // Built here, so it can be given the gated application lifetime in place of the host's.
                var gate = new GatedApplicationLifetime(lifetime, check);
                return new((IHostLifetime)ActivatorUtilities.CreateInstance(services, inner.ImplementationType!, gate), check, gate);
            }

            return new(
                (IHostLifetime)(inner.ImplementationInstance
                    ?? inner.ImplementationFactory?.Invoke(services)
                    ?? ActivatorUtilities.CreateInstance(services, inner.ImplementationType!)),
                check);
        }
    }
}
