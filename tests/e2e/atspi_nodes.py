"""Reading the AT-SPI tree safely: nodes can go away while a test looks at them."""


def children(node):
    try:
        return [node.get_child_at_index(i) for i in range(node.get_child_count())]
    except Exception:  # the node went away while we looked
        return []


def role(node):
    try:
        return node.get_role_name()
    except Exception:
        return ''


def name(node):
    try:
        return node.get_name() or ''
    except Exception:
        return ''


def description(node):
    try:
        return node.get_description() or ''
    except Exception:
        return ''


def find_one(root, predicate):
    """The first match in document order, or None."""
    stack = [root]
    while stack:
        node = stack.pop()
        kids = [c for c in children(node) if c is not None]
        for child in kids:
            if predicate(child):
                return child
        stack.extend(reversed(kids))
    return None
