"""lora.paged_optimizer on a CUDA device: the measurement itself. Imports only `verifiers`, so
it runs on a GPU machine where kbcheck's other dependencies are not installed."""

import pytest

from verifiers.paged_optimizer import facts


@pytest.mark.gpu
def test_measured_on_this_gpu():
    torch = pytest.importorskip("torch")
    pytest.importorskip("bitsandbytes")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    from verifiers._paged_measure import measure

    f = facts(measure(width=512, layers=4))
    assert f["state_paged"] and not f["weights_paged"] and f["to_host"] and f["same_update"]
