using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Podvisor.E2E.Tests.Api;

namespace Podvisor.E2E.Tests.Reliability;

/// <summary>
/// Mutated Pod manifests (JSON and YAML) and PUT/PATCH/status/log requests against one in-process API server with a
/// fake agent, from a fixed seed. Invariants: no 5xx, every request answers within its timeout, kubectl's Table list
/// still works, and after a restart the store loads with every object readable.
/// </summary>
public sealed class ApiFuzzTests
{
    private const int Requests = 2_000;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);
    private const string Table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    [Fact]
    public async Task MutatedBodiesNeverGetA5xxOrHangAndLeaveAReadableStore()
    {
        var dataDir = Directory.CreateTempSubdirectory("podvisor-fuzz-").FullName;
        try
        {
            var failures = new List<string>();
            await using (var h = await ApiServerHarness.StartAsync(dataDir))
            {
                using var http = h.Http();
                var random = new Random(14);
                var mutator = new ManifestMutator(random);
                for (var i = 0; i < Requests; i++)
                {
                    var request = mutator.NextRequest(i);
                    var (code, body) = await SendAsync(http, request);
                    if (code is null or >= 500)
                    {
                        failures.Add($"{request.Method} {request.Path} ({request.ContentType}) -> {code?.ToString() ?? "timeout"} {body}\n{Shorten(request.Body)}");
                    }
                }

                await AssertListsAsync(http, failures);
            }

            await using (var restarted = await ApiServerHarness.StartAsync(dataDir))
            {
                using var http = restarted.Http();
                var list = JsonNode.Parse(await http.GetStringAsync("/api/v1/pods"))!["items"]!.AsArray();
                foreach (var pod in list)
                {
                    var path = $"/api/v1/namespaces/{pod!["metadata"]!["namespace"]}/pods/{pod["metadata"]!["name"]}";
                    var (code, body) = await SendAsync(http, new FuzzRequest(HttpMethod.Get, path, null, null));
                    if (code != 200)
                    {
                        failures.Add($"after restart GET {path} -> {code} {body}");
                    }
                }

                await AssertListsAsync(http, failures);
            }

            Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n\n", failures.Take(20)));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task AssertListsAsync(HttpClient http, List<string> failures)
    {
        foreach (var path in new[] { "/api/v1/namespaces/default/pods", "/api/v1/pods", "/api/v1/namespaces/default/events" })
        {
            var (code, body) = await SendAsync(http, new FuzzRequest(HttpMethod.Get, path, null, null, Table));
            if (code != 200)
            {
                failures.Add($"Table list {path} -> {code} {body}");
            }
        }
    }

    private static async Task<(int? Code, string Body)> SendAsync(HttpClient http, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8);
            message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(request.ContentType!);
        }

        if (request.Accept is not null)
        {
            message.Headers.TryAddWithoutValidation("Accept", request.Accept);
        }

        using var cts = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await http.SendAsync(message, cts.Token);
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            return ((int)response.StatusCode, Shorten(text));
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return (null, "");
        }
        catch (HttpRequestException ex)
        {
            return ((int)(ex.StatusCode ?? HttpStatusCode.BadGateway), "connection failed: " + ex.Message);
        }
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 600 ? text[..600] + "..." : text;
}
