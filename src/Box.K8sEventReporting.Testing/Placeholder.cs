namespace Box.K8sEventReporting.Testing;

internal static class Placeholder
{
}
