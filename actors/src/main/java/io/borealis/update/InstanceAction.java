package io.borealis.update;

/** What an instance event of an update says happened (Aurora's JobUpdateAction, §4.6). */
public enum InstanceAction {
  /** The instance reached the desired configuration. */
  INSTANCE_UPDATED(1),
  /** The instance is back to its previous configuration. */
  INSTANCE_ROLLED_BACK(2),
  /** The update started working on the instance. */
  INSTANCE_UPDATING(3),
  /** The rollback started working on the instance. */
  INSTANCE_ROLLING_BACK(4),
  /** The instance failed to reach the desired configuration. */
  INSTANCE_UPDATE_FAILED(5),
  /** The instance failed to return to its previous configuration. */
  INSTANCE_ROLLBACK_FAILED(6);

  private final int wireValue;

  InstanceAction(int wireValue) {
    this.wireValue = wireValue;
  }

  /** Aurora's thrift value. */
  public int wireValue() {
    return wireValue;
  }

  static InstanceAction started(boolean rollback) {
    return rollback ? INSTANCE_ROLLING_BACK : INSTANCE_UPDATING;
  }

  static InstanceAction succeeded(boolean rollback) {
    return rollback ? INSTANCE_ROLLED_BACK : INSTANCE_UPDATED;
  }

  static InstanceAction failed(boolean rollback) {
    return rollback ? INSTANCE_ROLLBACK_FAILED : INSTANCE_UPDATE_FAILED;
  }

  /** This action's bit in {@link UpdateRun#recorded()}. */
  byte bit() {
    return (byte) (1 << ordinal());
  }
}
