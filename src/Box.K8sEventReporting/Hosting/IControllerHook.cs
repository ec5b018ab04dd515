namespace Box.K8sEventReporting.Hosting;

/// <summary>Something attached to the controllers while they run (for example: revalidate all when options change).</summary>
internal interface IControllerHook
{
    /// <summary>Attaches; disposing the result detaches.</summary>
    IEnumerable<IDisposable> Attach(IServiceProvider services);
}
