import * as assert from "assert";

import { K3sNode } from "../../components/node";
import { recordResources, settle } from "../support/mocks";
import { scriptOf, serverArgs } from "./fixtures";

describe("the restart step", () => {
    it("restarts K3s on create; its update (a connection change, or a retry after a failed " +
        "run) restarts it only when it is down or its files changed since its last start",
    async () => {
        const registered = await recordResources();
        new K3sNode("n", serverArgs());
        await settle();
        assert.match(scriptOf(registered, "n-restart"), /systemctl restart --no-block k3s/);
        assert.doesNotMatch(scriptOf(registered, "n-restart"), /not restarted/);
        const update = scriptOf(registered, "n-restart", "update");
        assert.match(update, new RegExp('if \\[ "\\$\\(state\\)" = active \\] && ' +
            '\\[ "\\$\\(cat /var/lib/rancher/k3s/pulumi-k3s/started-k3s 2>/dev/null\\)" = ' +
            '"\\$inputs" \\]; then\\n.*not restarted"\\n {2}exit 0\\nfi\\nstart\\n'));
    });
});
