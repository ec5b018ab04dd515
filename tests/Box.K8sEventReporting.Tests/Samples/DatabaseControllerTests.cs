using Box.K8sEventReporting.Reporting;
using Box.K8sEventReporting.Testing;
using Box.K8sEventReporting.Validation;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace DatabaseOperator.Tests;

[KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "Database", PluralName = "databases")]
public sealed class Database : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "example.com/v1";

    public string Kind { get; set; } = "Database";

    public V1ObjectMeta Metadata { get; set; } = new();

    public DatabaseSpec? Spec { get; set; }
}

public sealed class DatabaseSpec
{
    public string? Engine { get; set; }

    public int StorageGb { get; set; }
}

public sealed class EngineValidator : IValidator<Database>
{
    public ValueTask<ValidationResult> ValidateAsync(Database database, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(database.Spec?.Engine is "postgres" or "mysql"
            ? ValidationResult.Success
            : ValidationResult.Fail(new ValidationFailure("spec.engine", "UnsupportedEngine",
                $"engine '{database.Spec?.Engine}' of database {database.Metadata.Name} is not supported: use postgres or mysql")));
}

public class DatabaseControllerTests
{
    [Fact]
    public async Task UnsupportedEngine_WarnsThePodThatMountsItsSecret_AndSetsReadyFalse()
    {
        // The composition a Program.cs uses, run over fakes: no API server, no Kubernetes client.
        await using var host = await ControllerTestHost.StartAsync(services => services
            .AddK8sEventReporting()
            .AddController<Database>(db => db
                .AddValidator<EngineValidator>()
                .ReportOnPodsConsumingSecret(d => d.Metadata.Name)));

        host.Watcher<Database>().Apply(new Database
        {
            Metadata = new() { Name = "orders", NamespaceProperty = "shop", Uid = "db-1" },
            Spec = new() { Engine = "oracle", StorageGb = 10 },
        });
        host.Watcher<V1Pod>().Apply(new V1Pod
        {
            Metadata = new() { Name = "orders-api-7d9f8", NamespaceProperty = "shop", Uid = "pod-1" },
            Spec = new() { Containers = [new() { Name = "api" }], Volumes = [new() { Name = "db", Secret = new() { SecretName = "orders" } }] },
        });

        // Fails at once with the cause if a reconcile throws, instead of waiting out the timeout.
        var warning = await host.WaitForEventAsync("shop", "orders-api-7d9f8", "UnsupportedEngine", TimeSpan.FromSeconds(10));
        Assert.Equal("engine 'oracle' of database orders is not supported: use postgres or mysql", warning.Report.Message);
        var ready = await host.Conditions.WaitForConditionAsync(c => c.Name == "orders" && c.Condition.Type == "Ready", TimeSpan.FromSeconds(10));
        Assert.Equal((ConditionStatus.False, "UnsupportedEngine"), (ready.Condition.Status, ready.Condition.Reason));
    }
}
