using System.Globalization;
using System.Text.Json;
using Box.K8sEventReporting.Testing.ApiServer;

namespace Box.K8sEventReporting.Benchmarks.Loop;

/// <summary>
/// The API server of the loop benchmark, in a process of its own (<c>loop --server &lt;kubeconfig&gt;</c>) so that its CPU
/// is never counted as the controller's or the load generator's: the in-process server over HTTPS with HTTP/2 (as every
/// real cluster), writing managedFields, serving the Pki custom resource. It writes a kubeconfig that trusts its
/// self-signed certificate, prints <c>@SERVER &lt;url&gt;</c>, then answers the benchmark's commands on stdin, one line each:
/// <c>NS &lt;prefix&gt; &lt;n&gt;</c> (namespaces prefix00000..), <c>COUNT</c>, <c>CLEAR</c>, <c>SUMMARY</c> (requests grouped
/// by verb, resource and status code, as JSON), <c>STOP</c>.
/// </summary>
internal static class LoopServer
{
    public const string Flag = "--server";

    public static async Task<int> RunAsync(string[] args)
    {
        var kubeconfig = args[0];
        await using var server = await InProcessApiServer.StartAsync(new InProcessApiServerOptions
        {
            Https = true,
            MaxRecordedRequests = 5_000_000,
            InitialNamespaces = ["default", "kube-system", "kube-public", "controlplane"],
        });
        server.RegisterCustomResource("box.com", "v1", "pkis", "Pki");
        await File.WriteAllTextAsync(kubeconfig, server.CreateKubeconfig());
        Console.WriteLine($"@SERVER {server.BaseAddress}");

        while (await Console.In.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "NS":
                    var count = int.Parse(words[2], CultureInfo.InvariantCulture);
                    for (var i = 0; i < count; i++)
                    {
                        server.EnsureNamespace(string.Create(CultureInfo.InvariantCulture, $"{words[1]}{i:D5}"));
                    }

                    Console.WriteLine("@OK");
                    break;
                case "COUNT":
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"@COUNT {server.CountRequests()}"));
                    break;
                case "CLEAR":
                    server.ClearRequests();
                    Console.WriteLine("@OK");
                    break;
                case "SUMMARY":
                    var groups = server.Requests
                        .GroupBy(r => (r.Verb, Resource: ResourceOf(r.Path), r.StatusCode, r.Protocol))
                        .Select(g => new RequestGroup(g.Key.Verb, g.Key.Resource, g.Key.StatusCode, g.Key.Protocol, g.Count()))
                        .ToList();
                    Console.WriteLine("@SUMMARY " + JsonSerializer.Serialize(groups));
                    break;
                case "STOP":
                    return 0;
                default:
                    Console.WriteLine("@ERROR unknown command: " + line);
                    break;
            }
        }

        return 0;
    }

    /// <summary>The resource a path names: <c>events</c>, <c>pods</c>, <c>pkis/status</c>...</summary>
    private static string ResourceOf(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.IndexOf(parts, "namespaces");
        var rest = i >= 0 && parts.Length > i + 2 ? parts[(i + 2)..] : parts[^1..];
        return rest.Length >= 3 ? rest[0] + "/" + rest[2] : rest[0];
    }
}

/// <summary>Requests the server answered, grouped.</summary>
internal sealed record RequestGroup(string Verb, string Resource, int StatusCode, string Protocol, int Count);
