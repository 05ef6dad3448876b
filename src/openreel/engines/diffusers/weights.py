"""Find a model's weights on this machine without loading them: a folder saved by save_pretrained,
or a repository in the local Hugging Face cache. Nothing is downloaded unless the catalog entry
allows it (allow_download), so a server never reaches the network by surprise."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from openreel.engines.diffusers.options import DiffusersOptions
from openreel.errors import FailedPrecondition

INSTALL_HINT = "install the extra: pip install torch==2.13.0 'openreel[diffusers]'"


def require_libraries() -> None:
    """FailedPrecondition unless diffusers and torch are importable (checked without importing)."""
    missing = [name for name in ("torch", "diffusers", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        raise FailedPrecondition(f"the diffusers engine needs {', '.join(missing)}: {INSTALL_HINT}")


def weights_folder(options: DiffusersOptions, download: bool = False) -> Path:
    """The folder holding model_index.json; with `download` (and allow_download) fetch a repo
    that is not cached yet: its model_index.json, then only the component folders it names
    (repos such as Lightricks/LTX-Video also hold single-file checkpoints of many GB)."""
    if options.path is not None:
        folder = Path(options.path).expanduser()
        if not (folder / "model_index.json").is_file():
            raise FailedPrecondition(f"no weights in {folder}: model_index.json is missing "
                                     "(save the pipeline there with save_pretrained)")
        return folder
    assert options.repo is not None
    if importlib.util.find_spec("huggingface_hub") is None:
        raise FailedPrecondition(f"reading {options.repo} from the Hugging Face cache needs the extra: {INSTALL_HINT}")
    from huggingface_hub import snapshot_download  # a dependency of diffusers: light to import
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    fetch = download and options.allow_download
    try:
        if not fetch:
            return Path(snapshot_download(options.repo, local_files_only=True))
        index = Path(snapshot_download(options.repo, allow_patterns=["model_index.json"])) / "model_index.json"
        components = [name for name, value in json.loads(index.read_text()).items()
                      if isinstance(value, list) and not name.startswith("_")]
        return Path(snapshot_download(options.repo, allow_patterns=["model_index.json",
                                                                      *(f"{c}/*" for c in components)]))
    except LocalEntryNotFoundError:
        raise FailedPrecondition(
            f"the weights of {options.repo} are not in the Hugging Face cache: run `huggingface-cli download "
            f"{options.repo} --include model_index.json '*/*'`, point `path` at a folder, or set "
            "allow_download = true") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:  # not found, gated, no network, a broken index
        raise FailedPrecondition(f"the weights of {options.repo} could not be fetched: {exc}") from None


def model_index(options: DiffusersOptions) -> dict[str, object]:
    """The weights' model_index.json, read from this machine (no download, no torch)."""
    folder = weights_folder(options)
    try:
        index = json.loads((folder / "model_index.json").read_text())
    except (OSError, ValueError) as exc:
        raise FailedPrecondition(f"{folder}/model_index.json cannot be read: {exc}") from None
    if not isinstance(index, dict):
        raise FailedPrecondition(f"{folder}/model_index.json is not a JSON object")
    return index
