using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Box.K8sEventReporting.Hosting;

/// <summary>
/// Wraps the host's lifetime (the console's, a service manager's) so that a start-up that fails the library's check ends
/// with its one critical line: the check runs before the lifetime starts, and when it fails the wrapped lifetime is never
/// started, so no "Application started. Press Ctrl+C to shut down." follows the line that says why it did not.
/// </summary>
/// <remarks>
/// The host then finishes starting (every hosted service of the library returns at once) and stops: the stop is requested
/// when the host reports itself started, so <c>RunAsync</c> returns normally and the exit code is the check's 1.
/// </remarks>
internal sealed class CheckedHostLifetime(IHostLifetime inner, StartupCheck check) : IHostLifetime
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
        public CheckedHostLifetime Create(IServiceProvider services) => new(
            (IHostLifetime)(inner.ImplementationInstance
                ?? inner.ImplementationFactory?.Invoke(services)
                ?? ActivatorUtilities.CreateInstance(services, inner.ImplementationType!)),
            services.GetRequiredService<StartupCheck>());
    }
}
