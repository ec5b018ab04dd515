using Box.K8sEventReporting.Reporting;
using k8s.Models;

namespace Box.K8sEventReporting.Tests.Reporting;

public class WorkloadFanOutTests
{
    [Fact]
    public void Plan_FewPodsPerOwner_ReportsOnEachPod()
    {
        var pods = Replicas("rs-1", "ReplicaSet", 3);

        var targets = WorkloadFanOut.Plan(pods, 10, null);

        Assert.Equal(3, targets.Count);
        Assert.All(targets, t => Assert.Equal("Pod", t.Kind));
    }

    [Fact]
    public void Plan_200ReplicasWithReplicaSetCache_ReportsOnFirstPodsAndDeployment()
    {
        var pods = Replicas("web-5d4f", "ReplicaSet", 200);
        var replicaSet = new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web-5d4f",
                NamespaceProperty = "team-a",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web", Uid = "dep-uid", Controller = true }],
            },
        };

        var targets = WorkloadFanOut.Plan(pods, 10, new InMemoryCache<V1ReplicaSet>([replicaSet]));

        Assert.Equal(11, targets.Count);
        Assert.Equal(10, targets.Count(t => t.Kind == "Pod"));
        var owner = Assert.Single(targets, t => t.Kind != "Pod");
        Assert.Equal(("Deployment", "web", "team-a", "dep-uid", "apps/v1"), (owner.Kind, owner.Name, owner.NamespaceProperty, owner.Uid, owner.ApiVersion));
        Assert.Equal("web-5d4f-000", targets[0].Name); // the first pods by name
    }

    [Fact]
    public void Plan_200ReplicasWithoutReplicaSetCache_ReportsOnReplicaSet()
    {
        var targets = WorkloadFanOut.Plan(Replicas("web-5d4f", "ReplicaSet", 200), 10, null);

        Assert.Equal("ReplicaSet", Assert.Single(targets, t => t.Kind != "Pod").Kind);
    }

    [Fact]
    public void Plan_BarePods_AreNeverCapped()
    {
        var pods = Enumerable.Range(0, 15).Select(i => Pods.Bare("bare-" + i)).ToList();

        Assert.Equal(15, WorkloadFanOut.Plan(pods, 10, null).Count);
    }

    [Fact]
    public void Plan_StatefulSet_ReportsOnStatefulSet()
    {
        var targets = WorkloadFanOut.Plan(Replicas("db", "StatefulSet", 12), 10, null);

        Assert.Equal("StatefulSet", Assert.Single(targets, t => t.Kind != "Pod").Kind);
    }

    private static List<V1Pod> Replicas(string owner, string kind, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var pod = Pods.Bare($"{owner}-{i:000}");
            pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = kind, Name = owner, Uid = owner + "-uid", Controller = true }];
            return pod;
        }).Reverse().ToList();
}
