namespace Box.K8sEventReporting.Watching;

/// <summary>Identifies an object: namespace ("" for cluster-scoped objects) and name.</summary>
internal readonly record struct ResourceKey(string Namespace, string Name)
{
    public static ResourceKey Of(string? @namespace, string name) => new(@namespace ?? string.Empty, name);

    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}/{Name}";
}
