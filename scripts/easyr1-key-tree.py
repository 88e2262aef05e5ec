#!/usr/bin/env python3
"""Write the key tree of EasyR1's PPOConfig as JSON (test/fixtures/easyr1/ppo-config-keys.json).

EasyR1's verl/trainer/main.py merges the YAML config onto OmegaConf.structured(PPOConfig()), which rejects
keys PPOConfig does not have. The tests check gad-data's EasyR1 config against this tree, without EasyR1.

Usage: python3 scripts/easyr1-key-tree.py EASYR1_CHECKOUT COMMIT > test/fixtures/easyr1/ppo-config-keys.json

It only reads the dataclass definitions with Python's `ast` (nothing of EasyR1 is imported or run): every
`@dataclass` class in verl/**/*.py, starting from `PPOConfig`. A field typed as another dataclass becomes a
subtree; a field typed `dict` accepts any key; anything else is a leaf with its annotation. Fields declared
with `field(init=False)` are marked `"auto": true` (EasyR1 computes them; a config should not set them).
"""
import ast
import json
import sys
from pathlib import Path


def dataclasses_in(root: Path) -> dict:
    classes = {}
    for path in sorted((root / "verl").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            names = [d.id if isinstance(d, ast.Name) else d.func.id if isinstance(d, ast.Call) and isinstance(d.func, ast.Name) else None for d in node.decorator_list]
            if "dataclass" not in names:
                continue
            fields = []
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    auto = False
                    v = item.value
                    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "field":
                        auto = any(k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False for k in v.keywords)
                    fields.append((item.target.id, ast.unparse(item.annotation), auto))
            if node.name in classes and classes[node.name]["fields"] != fields:
                raise SystemExit(f"two different dataclasses named {node.name}")
            classes[node.name] = {"fields": fields, "file": str(path.relative_to(root))}
    return classes


def node_for(annotation: str, classes: dict, seen: tuple) -> dict:
    bare = annotation.strip()
    if bare in classes:
        if bare in seen:
            raise SystemExit(f"recursive dataclass {bare}")
        return tree_of(bare, classes, seen + (bare,))
    if bare == "dict" or bare.startswith(("dict[", "Dict[", "Dict", "Optional[dict", "Optional[Dict")):
        return {"type": bare, "anyKeys": True}
    return {"type": bare}


def tree_of(name: str, classes: dict, seen: tuple) -> dict:
    out = {}
    for field, annotation, auto in classes[name]["fields"]:
        n = node_for(annotation, classes, seen)
        if auto:
            n["auto"] = True
        out[field] = n
    return {"dataclass": name, "keys": out}


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, commit = Path(sys.argv[1]), sys.argv[2]
    classes = dataclasses_in(root)
    doc = {
        "source": "github.com/hiyouga/EasyR1",
        "commit": commit,
        "root": "verl.trainer.config.PPOConfig",
        "generator": "scripts/easyr1-key-tree.py",
        "tree": tree_of("PPOConfig", classes, ("PPOConfig",)),
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
