import * as assert from "assert";

import { K3sNode } from "../../components/node";
import { recordResources, settle } from "../support/mocks";
import { scriptOf, serverArgs } from "./fixtures";

describe("the restart step", () => {
    it("restarts K3s on create only: its update (a connection change) leaves K3s running",
        async () => {
        const registered = await recordResources();
        new K3sNode("n", serverArgs());
        await settle();
        assert.match(scriptOf(registered, "n-restart"), /systemctl restart --no-block k3s/);
        const update = scriptOf(registered, "n-restart", "update");
        assert.doesNotMatch(update, /systemctl|rc-service/);
        assert.match(update, /not restarted/);
    });
});
