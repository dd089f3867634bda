from tests.places import org_a  # noqa: F401
