using Podvisor.Api.Store;

namespace Podvisor.Api.Watch;

/// <summary>
/// Cuts a selected, key-ordered snapshot into the page a <c>limit</c>/<c>continue</c> request asks for (upstream:
/// the etcd3 store's GetList paging). <c>remainingItemCount</c> is only known without selectors, as upstream.
/// </summary>
internal static class ListPage
{
    public static (StoredObject[] Items, ListMeta Meta) Take(StoredObject[] sorted, long snapshot, ListQuery query)
    {
        var start = query.Continue is { } token ? LowerBound(sorted, token.StartKey) : 0;
        var available = sorted.Length - start;
        if (query.Limit == 0 || available <= query.Limit)
        {
            return (start == 0 ? sorted : sorted[start..], new ListMeta(snapshot));
        }

        var page = sorted[start..(start + (int)query.Limit)];
        long? remaining = query.Labels.IsEverything && query.Fields == Selectors.FieldSelector.Everything ? available - page.Length : null;
        return (page, new ListMeta(snapshot, ContinueToken.After(snapshot, page[^1].Key), remaining));
    }

    private static int LowerBound(StoredObject[] sorted, string key)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (string.CompareOrdinal(sorted[mid].Key, key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
