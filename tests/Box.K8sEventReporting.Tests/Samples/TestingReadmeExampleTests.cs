using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace DatabaseOperator.Tests;

/// <summary>
/// The Testing package's README example (the region below, as the README shows it), run 30 times: the condition is written
/// in the background after the Events, so an example that read it right after the pod's Event would fail some runs.
/// </summary>
public class TestingReadmeExampleTests
{
    public static TheoryData<int> Runs => [.. Enumerable.Range(1, 30)];

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task ReadmeExample_WaitsForTheEventAndTheCondition(int run)
    {
        _ = run;
        var database = new Database { Metadata = new() { Name = "orders", NamespaceProperty = "shop", Uid = "db-1" }, Spec = new() { Engine = "oracle" } };
        var podMountingItsSecret = new V1Pod
        {
            Metadata = new() { Name = "orders-api-7d9f8", NamespaceProperty = "shop", Uid = "pod-1" },
            Spec = new() { Containers = [new() { Name = "api" }], Volumes = [new() { Name = "db", Secret = new() { SecretName = "orders" } }] },
        };

        #region readme
        // The composition your Program.cs uses, over fakes: no API server. (A reconciler that calls the Kubernetes API is
        // tested over an in-process API server instead: ControllerTestHost.StartAsync(server, compose).)
        await using var host = await ControllerTestHost.StartAsync(services => services
            .AddK8sEventReporting()
            .AddController<Database>(db => db
                .AddValidator<EngineValidator>()
                .ReportOnPodsConsumingSecret(d => d.Metadata.Name)));

        host.Watcher<Database>().Apply(database);     // what the controller sees
        host.Watcher<V1Pod>().Apply(podMountingItsSecret);

        // Both waits throw ReconcileFailedException at once if a reconcile fails, instead of waiting out the timeout.
        var warning = await host.WaitForEventAsync("shop", "orders-api-7d9f8", "UnsupportedEngine", TimeSpan.FromSeconds(10));
        // The condition is written in the background after the Events: wait for it too.
        var ready = await host.WaitForConditionAsync("shop", "orders", ConditionStatus.False, TimeSpan.FromSeconds(10));
        Assert.Equal("UnsupportedEngine", ready.Condition.Reason);
        #endregion

        Assert.Equal("engine 'oracle' of database orders is not supported: use postgres or mysql", warning.Report.Message);
    }
}
