// A stand-in for a real cluster, for rehearsing the real-cluster suite here: the in-process API server, alone in its
// own process, over HTTPS with HTTP/2 and enforcing RBAC, writing a kubeconfig that trusts its self-signed certificate.
//
//   dotnet run tests/e2e/standalone-apiserver.cs -- /tmp/e2e.kubeconfig &
//   K8S_E2E_KUBECONFIG=/tmp/e2e.kubeconfig dotnet test -c Release tests/Box.K8sEventReporting.IntegrationTests --filter "Cluster!=InProcessOnly"
//
// On stop (Ctrl+C or SIGTERM) it prints how many requests it served and how many test namespaces were created in it.
#:project ../../src/Box.K8sEventReporting.Testing/Box.K8sEventReporting.Testing.csproj
#:property TargetFramework=net10.0
#:property PublishAot=false
#:property IsTestProject=false
#:property GenerateProgramFile=false

using Box.K8sEventReporting.Testing.ApiServer;

var kubeconfig = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "e2e.kubeconfig");
await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions { Https = true, EnforceRbac = true });
await File.WriteAllTextAsync(kubeconfig, server.CreateKubeconfig());
Console.WriteLine($"in-process API server on {server.BaseAddress}; kubeconfig: {kubeconfig}");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.TrySetResult();
});
await stop.Task;

var requests = server.Requests;
var namespaces = requests.Count(r => r.Verb == "create" && r.Path == "/api/v1/namespaces" && r.StatusCode == 201);
var http2 = requests.Count(r => r.Protocol == "HTTP/2");
Console.WriteLine($"served {requests.Count} requests ({http2} over HTTP/2); {namespaces} namespaces created by the tests");
